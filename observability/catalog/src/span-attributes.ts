/** Where an attribute name comes from. */
export type SpanAttributeConvention =
  | 'otel-http'
  | 'otel-rpc'
  | 'otel-db'
  | 'otel-gen-ai'
  | 'otel-general'
  | 'opsight';

export interface SpanAttributeDefinition {
  readonly name: string;
  readonly type: 'string' | 'int' | 'double' | 'boolean' | 'string[]';
  readonly convention: SpanAttributeConvention;
  readonly description: string;
  readonly example: string;
}

const attr = (definition: SpanAttributeDefinition): SpanAttributeDefinition => Object.freeze(definition);

/** Span attribute names, by OpenTelemetry semantic conventions (HTTP and general ones are stable). */
export const SpanAttr = Object.freeze({
  httpRequestMethod: 'http.request.method',
  httpRequestMethodOriginal: 'http.request.method_original',
  httpRoute: 'http.route',
  httpResponseStatusCode: 'http.response.status_code',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  urlFull: 'url.full',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  userAgentOriginal: 'user_agent.original',
  networkProtocolVersion: 'network.protocol.version',
  errorType: 'error.type',
  rpcSystem: 'rpc.system',
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  rpcGrpcStatusCode: 'rpc.grpc.status_code',
  dbSystemName: 'db.system.name',
  dbNamespace: 'db.namespace',
  dbOperationName: 'db.operation.name',
  dbCollectionName: 'db.collection.name',
  dbQueryText: 'db.query.text',
  genAiOperationName: 'gen_ai.operation.name',
  genAiProviderName: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiUsageInputTokens: 'gen_ai.usage.input_tokens',
  genAiUsageOutputTokens: 'gen_ai.usage.output_tokens',
  genAiResponseFinishReasons: 'gen_ai.response.finish_reasons',
  requestId: 'opsight.request_id',
} as const);

export const SPAN_ATTRIBUTES = Object.freeze([
  attr({
    name: SpanAttr.httpRequestMethod,
    type: 'string',
    convention: 'otel-http',
    description: 'HTTP method; unknown methods are `_OTHER`.',
    example: 'POST',
  }),
  attr({
    name: SpanAttr.httpRequestMethodOriginal,
    type: 'string',
    convention: 'otel-http',
    description: 'Original method when `http.request.method` is `_OTHER`.',
    example: 'PURGE',
  }),
  attr({
    name: SpanAttr.httpRoute,
    type: 'string',
    convention: 'otel-http',
    description: 'Matched route template.',
    example: '/v1/models/:id',
  }),
  attr({
    name: SpanAttr.httpResponseStatusCode,
    type: 'int',
    convention: 'otel-http',
    description: 'HTTP response status code.',
    example: '200',
  }),
  attr({
    name: SpanAttr.urlPath,
    type: 'string',
    convention: 'otel-http',
    description: 'Request path (server spans).',
    example: '/v1/chat/completions',
  }),
  attr({
    name: SpanAttr.urlScheme,
    type: 'string',
    convention: 'otel-http',
    description: 'URL scheme.',
    example: 'http',
  }),
  attr({
    name: SpanAttr.urlFull,
    type: 'string',
    convention: 'otel-http',
    description: 'Full URL of a client request, query and credentials removed.',
    example: 'http://127.0.0.1:8090/v1/completions',
  }),
  attr({
    name: SpanAttr.serverAddress,
    type: 'string',
    convention: 'otel-general',
    description: 'Server host name or address.',
    example: '127.0.0.1',
  }),
  attr({
    name: SpanAttr.serverPort,
    type: 'int',
    convention: 'otel-general',
    description: 'Server port.',
    example: '8081',
  }),
  attr({
    name: SpanAttr.clientAddress,
    type: 'string',
    convention: 'otel-general',
    description: 'Peer address of the request.',
    example: '10.0.0.7',
  }),
  attr({
    name: SpanAttr.userAgentOriginal,
    type: 'string',
    convention: 'otel-http',
    description: 'User-Agent header.',
    example: 'curl/8.5.0',
  }),
  attr({
    name: SpanAttr.networkProtocolVersion,
    type: 'string',
    convention: 'otel-general',
    description: 'HTTP version.',
    example: '1.1',
  }),
  attr({
    name: SpanAttr.errorType,
    type: 'string',
    convention: 'otel-general',
    description: 'Class of error: status code (`500`), gRPC code name or exception type.',
    example: '500',
  }),
  attr({
    name: SpanAttr.rpcSystem,
    type: 'string',
    convention: 'otel-rpc',
    description: 'Always `grpc`.',
    example: 'grpc',
  }),
  attr({
    name: SpanAttr.rpcService,
    type: 'string',
    convention: 'otel-rpc',
    description: 'Full service name.',
    example: 'opsight.router.v1.ModelRouter',
  }),
  attr({
    name: SpanAttr.rpcMethod,
    type: 'string',
    convention: 'otel-rpc',
    description: 'Method name.',
    example: 'Route',
  }),
  attr({
    name: SpanAttr.rpcGrpcStatusCode,
    type: 'int',
    convention: 'otel-rpc',
    description: 'Numeric gRPC status code.',
    example: '0',
  }),
  attr({
    name: SpanAttr.dbSystemName,
    type: 'string',
    convention: 'otel-db',
    description: '`postgresql` or `redis`.',
    example: 'postgresql',
  }),
  attr({
    name: SpanAttr.dbNamespace,
    type: 'string',
    convention: 'otel-db',
    description: 'Database name / Redis db index.',
    example: 'opsight',
  }),
  attr({
    name: SpanAttr.dbOperationName,
    type: 'string',
    convention: 'otel-db',
    description: 'SQL verb or Redis command.',
    example: 'SELECT',
  }),
  attr({
    name: SpanAttr.dbCollectionName,
    type: 'string',
    convention: 'otel-db',
    description: 'Table name.',
    example: 'api_keys',
  }),
  attr({
    name: SpanAttr.dbQueryText,
    type: 'string',
    convention: 'otel-db',
    description: 'Parameterized query text (never with parameter values).',
    example: 'SELECT * FROM api_keys WHERE hash = $1',
  }),
  attr({
    name: SpanAttr.genAiOperationName,
    type: 'string',
    convention: 'otel-gen-ai',
    description: 'Operation, e.g. `chat`.',
    example: 'chat',
  }),
  attr({
    name: SpanAttr.genAiProviderName,
    type: 'string',
    convention: 'otel-gen-ai',
    description: 'Model provider.',
    example: 'openai',
  }),
  attr({
    name: SpanAttr.genAiRequestModel,
    type: 'string',
    convention: 'otel-gen-ai',
    description: 'Model requested.',
    example: 'gpt-4o',
  }),
  attr({
    name: SpanAttr.genAiResponseModel,
    type: 'string',
    convention: 'otel-gen-ai',
    description: 'Model that answered.',
    example: 'gpt-4o-2024-08-06',
  }),
  attr({
    name: SpanAttr.genAiUsageInputTokens,
    type: 'int',
    convention: 'otel-gen-ai',
    description: 'Prompt tokens.',
    example: '42',
  }),
  attr({
    name: SpanAttr.genAiUsageOutputTokens,
    type: 'int',
    convention: 'otel-gen-ai',
    description: 'Generated tokens.',
    example: '128',
  }),
  attr({
    name: SpanAttr.genAiResponseFinishReasons,
    type: 'string[]',
    convention: 'otel-gen-ai',
    description: 'Why generation stopped.',
    example: '["stop"]',
  }),
  attr({
    name: SpanAttr.requestId,
    type: 'string',
    convention: 'opsight',
    description: 'Request id (X-Request-ID) on server spans, to join spans with gateway logs.',
    example: 'req-550e8400',
  }),
]);
