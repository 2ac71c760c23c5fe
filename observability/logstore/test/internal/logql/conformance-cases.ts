// LogQL conformance table: query, input lines (the dataset below), expected result.
// Expected results are worked out by hand from Loki's LogQL documentation: selector and filter
// semantics, parser label rules (`_extracted` on collision, `__error__` on failure), range windows
// (t - range, t], and Prometheus' vector and binary operator semantics.

export const SEC = 1_000_000_000n;

/** Lines by name; `at` is seconds after the dataset's base time. */
export const LINES: Record<string, string> = {
  L1: '{"level":"INFO","message":"request done","path":"/v1/chat","status":200,"latency_ms":120,"size":"1.5KB","took":"120ms","user":{"id":"u1","tier":"pro"},"tags":["a","b"]}',
  L2: '{"level":"INFO","message":"request done","path":"/v1/models","status":200,"latency_ms":30,"size":"200B","took":"30ms","user":{"id":"u2","tier":"free"},"tags":[]}',
  L3: '{"level":"INFO","message":"request failed","path":"/v1/chat","status":500,"latency_ms":900,"size":"2KB","took":"900ms","user":{"id":"u1","tier":"pro"},"tags":["c"]}',
  L4: '{"level":"ERROR","message":"upstream timeout","path":"/v1/chat","status":504,"latency_ms":5000,"size":"0B","took":"5s","user":{"id":"u3","tier":"free"}}',
  L5: 'level=error msg="backend failed" model=gpt-4 retries=2 latency=1.2s',
  L6: 'level=error msg="no healthy backend" model=llama retries=0 latency=15ms',
  L7: 'level=info msg="routed" model=gpt-4 backend=serving-1 latency=250ms',
  L8: 'level=info msg=routed model=llama backend=serving-2 latency=80ms',
  L9: '10.0.0.1 - - "GET /v1/models HTTP/1.1" 200 512',
  L10: '10.0.0.2 - - "POST /v1/chat HTTP/1.1" 500 1024',
  L11: '\u001b[31mred alert\u001b[0m plain',
  L12: '{"_entry":"original line here","pod":"p-1","container":"c1"}',
};

export const DATASET: Array<{
  labels: Record<string, string>;
  entries: Array<{ at: number; line: keyof typeof LINES; metadata?: Record<string, string> }>;
}> = [
  {
    labels: { app: 'api-service', level: 'INFO', namespace: 'prod' },
    entries: [
      { at: 10, line: 'L1', metadata: { trace_id: 't1', request_id: 'r1' } },
      { at: 20, line: 'L2', metadata: { trace_id: 't2', request_id: 'r2' } },
      { at: 30, line: 'L3', metadata: { trace_id: 't3', request_id: 'r3' } },
    ],
  },
  {
    labels: { app: 'api-service', level: 'ERROR', namespace: 'prod' },
    entries: [{ at: 40, line: 'L4', metadata: { trace_id: 't3', request_id: 'r4' } }],
  },
  {
    labels: { app: 'model-router', level: 'ERROR', namespace: 'prod' },
    entries: [
      { at: 15, line: 'L5' },
      { at: 45, line: 'L6' },
    ],
  },
  {
    labels: { app: 'model-router', level: 'INFO', namespace: 'prod' },
    entries: [
      { at: 25, line: 'L7' },
      { at: 35, line: 'L8' },
    ],
  },
  {
    labels: { app: 'nginx', level: 'INFO', namespace: 'edge' },
    entries: [
      { at: 12, line: 'L9' },
      { at: 32, line: 'L10' },
      { at: 50, line: 'L11' },
    ],
  },
  { labels: { app: 'packed', namespace: 'tools' }, entries: [{ at: 55, line: 'L12' }] },
];

export type Expect =
  /** Log query: lines in result order (names from LINES or literal text); `labels`: stream of the first line. */
  | { lines: string[]; labels?: Record<string, string> }
  /** Instant metric query at base+60s: series (canonical label string) → value. */
  | { vector: Record<string, string> }
  | { scalar: string }
  /** Range metric query: series → [seconds after base, value][]. */
  | { matrix: Record<string, Array<[number, string]>> }
  | { error: number; match?: RegExp };

export interface Case {
  query: string;
  expect: Expect;
  direction?: 'forward' | 'backward';
  limit?: number;
  /** Range queries: start, end, step in seconds after base. */
  range?: [number, number, number];
}

const bytes = (...names: string[]) => String(names.reduce((n, l) => n + Buffer.byteLength(LINES[l]!), 0));
const chat = [120, 900, 5000];
const chatMean = chat.reduce((a, b) => a + b, 0) / 3;
const chatStd = Math.sqrt(chat.reduce((a, b) => a + (b - chatMean) ** 2, 0) / 3);
const API_RE = '(?P<ip>\\S+) - - "(?P<method>\\w+) (?P<uri>\\S+)[^"]*" (?P<status>\\d+) (?P<bytes>\\d+)';
const API4 = { app: 'api-service', level: 'ERROR', namespace: 'prod', request_id: 'r4', trace_id: 't3' };

export const CASES: Case[] = [
  // ---- stream selectors ----
  { query: '{app="model-router", level="ERROR"}', expect: { lines: ['L6', 'L5'] } },
  { query: '{app="api-service"}', expect: { lines: ['L4', 'L3', 'L2', 'L1'], labels: API4 } },
  { query: '{app!="nginx", level="INFO"}', expect: { lines: ['L8', 'L3', 'L7', 'L2', 'L1'] } },
  { query: '{app=~"api.*|nginx"}', expect: { lines: ['L11', 'L4', 'L10', 'L3', 'L2', 'L9', 'L1'] } },
  { query: '{app=~"model-.*", level!~"INFO"}', expect: { lines: ['L6', 'L5'] } },
  { query: '{namespace="edge"}', expect: { lines: ['L11', 'L10', 'L9'] } },
  { query: '{app=~"API.*"}', expect: { lines: [] } },
  { query: '{app=~"(?i)API.*"}', expect: { lines: ['L4', 'L3', 'L2', 'L1'] } },
  { query: '{app=~"api"}', expect: { lines: [] } },
  { query: '{app="missing"}', expect: { lines: [] } },
  { query: '{app="nginx", pod=""}', expect: { lines: ['L11', 'L10', 'L9'] } },
  { query: '{app="nginx", pod!=""}', expect: { lines: [] } },
  // trace_id: structured metadata answered from the trace index (the strategy's form, docs/architecture.md
  // 2.3, and Loki's form)
  { query: '{trace_id="t3"}', expect: { lines: ['L4', 'L3'] } },
  { query: '{trace_id="t1"}', expect: { lines: ['L1'] } },
  { query: '{app="api-service", trace_id="t3"}', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="nginx", trace_id="t3"}', expect: { lines: [] } },
  { query: '{namespace=~".+"} | trace_id="t3"', expect: { lines: ['L4', 'L3'] } },
  { query: '{namespace="prod"} | request_id="r2"', expect: { lines: ['L2'] } },
  { query: '{namespace="prod"} | trace_id=~"t[12]"', expect: { lines: ['L2', 'L1'] } },
  // ---- line filters ----
  { query: '{app="api-service"} |= "chat"', expect: { lines: ['L4', 'L3', 'L1'] } },
  { query: '{app="api-service"} != "chat"', expect: { lines: ['L2'] } },
  { query: '{app="api-service"} |~ `"status":5\\d\\d`', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"} !~ `"status":5\\d\\d`', expect: { lines: ['L2', 'L1'] } },
  { query: '{namespace="prod"} |= "chat" |= "500"', expect: { lines: ['L4', 'L3'] } },
  { query: '{namespace="prod"} |= "gpt-4"', expect: { lines: ['L7', 'L5'] } },
  { query: '{namespace="prod"} |= "gpt-4" or "llama"', expect: { lines: ['L6', 'L8', 'L7', 'L5'] } },
  { query: '{namespace="prod"} != "gpt-4" or "llama"', expect: { lines: ['L4', 'L3', 'L2', 'L1'] } },
  { query: '{app="model-router"} |~ "(?i)HEALTHY"', expect: { lines: ['L6'] } },
  { query: '{app="model-router"} |~ "back(end)? failed"', expect: { lines: ['L5'] } },
  { query: '{app="nginx"} |> `<_> - - "<method> <_>" 500 <_>`', expect: { lines: ['L10'] } },
  { query: '{app="nginx"} !> `<_> - - "<method> <_>" 500 <_>`', expect: { lines: ['L11', 'L9'] } },
  { query: '{app="nginx"} |= ""', expect: { lines: ['L11', 'L10', 'L9'] } },
  { query: '{app="nginx"} |~ `10\\.0\\.0\\.[12]`', expect: { lines: ['L10', 'L9'] } },
  { query: '{app="nginx"} |= "GET" or "POST" != "500"', expect: { lines: ['L9'] } },
  { query: '{app="api-service"} |~ `(a+)+$`', expect: { lines: [] } },
  { query: '{app="api-service"} |~ "a("', expect: { error: 400, match: /regex/ } },
  { query: '{app="api-service"} |~ "(?=x)"', expect: { error: 400, match: /regex/ } },
  { query: '{app="api-service"} |= "CHAT"', expect: { lines: [] } },
  { query: '{app="api-service"} |~ "(?i)CHAT"', expect: { lines: ['L4', 'L3', 'L1'] } },
  // ---- json ----
  { query: '{app="api-service"} | json | path="/v1/models"', expect: { lines: ['L2'] } },
  { query: '{app="api-service"} | json | status >= 500', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"} | json | status == 200', expect: { lines: ['L2', 'L1'] } },
  {
    query: '{app="api-service"} | json | latency_ms > 100 and latency_ms < 1000',
    expect: { lines: ['L3', 'L1'] },
  },
  { query: '{app="api-service"} | json | latency_ms < 50 or status == 504', expect: { lines: ['L4', 'L2'] } },
  { query: '{app="api-service"} | json | user_tier="pro"', expect: { lines: ['L3', 'L1'] } },
  { query: '{app="api-service"} | json | user_id=~"u[12]"', expect: { lines: ['L3', 'L2', 'L1'] } },
  { query: '{app="api-service"} | json | level_extracted="ERROR"', expect: { lines: ['L4'] } },
  { query: '{app="api-service"} | json | level="INFO"', expect: { lines: ['L3', 'L2', 'L1'] } },
  { query: '{app="api-service"} | json | took > 500ms', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"} | json | took <= 30ms', expect: { lines: ['L2'] } },
  { query: '{app="api-service"} | json | size > 1KB', expect: { lines: ['L3', 'L1'] } },
  { query: '{app="api-service"} | json | size < 1KiB', expect: { lines: ['L4', 'L2'] } },
  { query: '{app="api-service"} | json | tags != ""', expect: { lines: [] } },
  { query: '{app="api-service"} | json p="path", u="user.id" | u="u1"', expect: { lines: ['L3', 'L1'] } },
  { query: '{app="api-service"} | json first_tag="tags[0]" | first_tag="c"', expect: { lines: ['L3'] } },
  {
    query: '{app="api-service"} | json p="path" | line_format "{{.p}}"',
    expect: { lines: ['/v1/chat', '/v1/chat', '/v1/models', '/v1/chat'] },
  },
  { query: '{app="api-service"} | json path | path="/v1/models"', expect: { lines: ['L2'] } },
  {
    query: '{app="api-service", level="ERROR"} | json p="path", t="user.tier"',
    expect: { lines: ['L4'], labels: { ...API4, p: '/v1/chat', t: 'free' } },
  },
  {
    query: '{app="model-router"} | json',
    expect: { lines: ['L6', 'L8', 'L7', 'L5'] },
  },
  {
    query: '{app="model-router"} | json | __error__="JSONParserErr"',
    expect: { lines: ['L6', 'L8', 'L7', 'L5'] },
  },
  { query: '{app="model-router"} | json | __error__=""', expect: { lines: [] } },
  { query: '{app="api-service"} | json | __error__=""', expect: { lines: ['L4', 'L3', 'L2', 'L1'] } },
  {
    query: '{app="api-service", level="ERROR"} | json',
    expect: {
      lines: ['L4'],
      labels: {
        ...API4,
        level_extracted: 'ERROR',
        message: 'upstream timeout',
        path: '/v1/chat',
        status: '504',
        latency_ms: '5000',
        size: '0B',
        took: '5s',
        user_id: 'u3',
        user_tier: 'free',
      },
    },
  },
  // ---- logfmt ----
  { query: '{app="model-router"} | logfmt | model="gpt-4"', expect: { lines: ['L7', 'L5'] } },
  { query: '{app="model-router"} | logfmt | retries > 0', expect: { lines: ['L5'] } },
  { query: '{app="model-router"} | logfmt | latency > 100ms', expect: { lines: ['L7', 'L5'] } },
  { query: '{app="model-router"} | logfmt | msg="routed"', expect: { lines: ['L8', 'L7'] } },
  { query: '{app="model-router"} | logfmt | level_extracted="error"', expect: { lines: ['L6', 'L5'] } },
  { query: '{app="model-router"} | logfmt | backend=~"serving-.*"', expect: { lines: ['L8', 'L7'] } },
  { query: '{app="model-router"} | logfmt m="model" | m="llama"', expect: { lines: ['L6', 'L8'] } },
  {
    query: '{app="model-router"} | logfmt | line_format "{{.model}} {{.latency}}"',
    expect: { lines: ['llama 15ms', 'llama 80ms', 'gpt-4 250ms', 'gpt-4 1.2s'] },
  },
  { query: '{app="model-router"} | logfmt --strict | model="llama"', expect: { lines: ['L6', 'L8'] } },
  { query: '{app="model-router"} | logfmt | msg="no healthy backend"', expect: { lines: ['L6'] } },
  { query: '{app="model-router"} | logfmt | retries == 0', expect: { lines: ['L6'] } },
  // ---- regexp ----
  { query: `{app="nginx"} | regexp \`${API_RE}\` | method="POST"`, expect: { lines: ['L10'] } },
  { query: `{app="nginx"} | regexp \`${API_RE}\` | status >= 400`, expect: { lines: ['L10'] } },
  { query: `{app="nginx"} | regexp \`${API_RE}\` | bytes > 600`, expect: { lines: ['L10'] } },
  { query: `{app="nginx"} | regexp \`${API_RE}\` | uri="/v1/models"`, expect: { lines: ['L9'] } },
  {
    query: '{app="nginx"} | regexp `(?P<ip>\\d+\\.\\d+\\.\\d+\\.\\d+)` | line_format "{{.ip}}"',
    expect: { lines: ['', '10.0.0.2', '10.0.0.1'] },
  },
  { query: '{app="nginx"} | regexp `\\w+`', expect: { error: 400, match: /named capture/ } },
  { query: '{app="nginx"} | regexp "(?P<a"', expect: { error: 400 } },
  // ---- pattern ----
  {
    query: '{app="nginx"} | pattern `<ip> - - "<method> <uri> <_>" <status> <size>` | status="200"',
    expect: { lines: ['L9'] },
  },
  {
    query:
      '{app="nginx"} | pattern `<ip> - - "<method> <uri> <_>" <status> <size>` | line_format "{{.method}} {{.uri}}"',
    expect: { lines: [' ', 'POST /v1/chat', 'GET /v1/models'] },
  },
  {
    query: '{app="nginx"} | pattern `<ip> - - "<method> <uri> <_>" <status> <size>` | size > 600',
    expect: { lines: ['L10'] },
  },
  { query: '{app="nginx"} | pattern `<_> <_>`', expect: { error: 400, match: /capture/ } },
  // ---- ip() ----
  { query: '{app="nginx"} |= ip("10.0.0.0/31")', expect: { lines: ['L9'] } },
  { query: '{app="nginx"} |= ip("10.0.0.1-10.0.0.2")', expect: { lines: ['L10', 'L9'] } },
  { query: '{app="nginx"} != ip("10.0.0.2")', expect: { lines: ['L11', 'L9'] } },
  { query: '{app="nginx"} |= ip("10.0.0.9") or ip("10.0.0.2")', expect: { lines: ['L10'] } },
  { query: '{app="nginx"} |= ip("::1")', expect: { lines: [] } },
  { query: '{app="nginx"} | pattern `<addr> <_>` | addr = ip("10.0.0.2")', expect: { lines: ['L10'] } },
  { query: '{app="nginx"} | pattern `<addr> <_>` | addr != ip("10.0.0.0/24")', expect: { lines: ['L11'] } },
  {
    query: 'sum(count_over_time({app="nginx"} |= ip("10.0.0.0/8") [1m]))',
    expect: { vector: { '{}': '2' } },
  },
  // ---- unpack ----
  {
    query: '{app="packed"} | unpack',
    expect: {
      lines: ['original line here'],
      labels: { app: 'packed', namespace: 'tools', pod: 'p-1', container: 'c1' },
    },
  },
  { query: '{app="packed"} | unpack | pod="p-1"', expect: { lines: ['original line here'] } },
  { query: '{app="packed"} | unpack | container="c2"', expect: { lines: [] } },
  // ---- label filter expressions ----
  {
    query: '{app="api-service"} | json | (status >= 500 or latency_ms < 50) and path="/v1/chat"',
    expect: { lines: ['L4', 'L3'] },
  },
  { query: '{app="api-service"} | json | status >= 500, path="/v1/chat"', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"} | json | status != 200', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"} | json | message=~"request.*"', expect: { lines: ['L3', 'L2', 'L1'] } },
  { query: '{app="api-service"} | json | message!~"request.*"', expect: { lines: ['L4'] } },
  { query: '{app="api-service"} | json | latency_ms >= 900', expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"} | json | nonexistent > 5', expect: { lines: [] } },
  { query: '{app="api-service"} | json | message > 5', expect: { lines: ['L4', 'L3', 'L2', 'L1'] } },
  { query: '{app="api-service"} | json | message > 5 | __error__=""', expect: { lines: [] } },
  {
    query: '{app="api-service"} | json | message > 5 | __error__="LabelFilterErr"',
    expect: { lines: ['L4', 'L3', 'L2', 'L1'] },
  },
  {
    query: '{app="api-service"} | json | status >= 500 or user_tier="pro" and latency_ms < 200',
    expect: { lines: ['L4', 'L3', 'L1'] },
  },
  { query: '{app="api-service"} | json | latency_ms > 1000 | status == 504', expect: { lines: ['L4'] } },
  // ---- line_format ----
  {
    query: '{app="api-service", level="ERROR"} | json | line_format "{{.status}} {{.path}}"',
    expect: { lines: ['504 /v1/chat'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format "{{ .message | ToUpper }}"',
    expect: { lines: ['UPSTREAM TIMEOUT'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format "{{ ToLower .level_extracted }}"',
    expect: { lines: ['error'] },
  },
  {
    query:
      '{app="api-service", level="ERROR"} | json | line_format `{{ if eq .status "504" }}timeout{{ else }}other{{ end }}`',
    expect: { lines: ['timeout'] },
  },
  {
    query: '{app="api-service"} | json | line_format `{{ if gt (int .status) 499 }}bad{{ else }}ok{{ end }}`',
    expect: { lines: ['bad', 'bad', 'ok', 'ok'] },
  },
  {
    query: '{app="nginx"} | line_format `{{.app}}:{{.namespace}}`',
    expect: { lines: ['nginx:edge', 'nginx:edge', 'nginx:edge'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | line_format `{{ __line__ | trunc 10 }}`',
    expect: { lines: ['{"level":"'] },
  },
  {
    query:
      '{app="api-service", level="ERROR"} | json | line_format `{{ printf "%s-%d" .path (int .status) }}`',
    expect: { lines: ['/v1/chat-504'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ div .latency_ms 1000 }}`',
    expect: { lines: ['5'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ replace "/v1/" "" .path }}`',
    expect: { lines: ['chat'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ .path | trimPrefix "/v1" }}`',
    expect: { lines: ['/chat'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ .missing | default "n/a" }}`',
    expect: { lines: ['n/a'] },
  },
  {
    query:
      '{app="api-service", level="ERROR"} | json | line_format `{{ regexReplaceAll "(\\\\w+) timeout" .message "$1-to" }}`',
    expect: { lines: ['upstream-to'] },
  },
  {
    query: '{app="api-service"} | json | line_format "{{.path}}" |= "models"',
    expect: { lines: ['/v1/models'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{.user_id}}/{{.trace_id}}`',
    expect: { lines: ['u3/t3'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | line_format `{{ __timestamp__ }}`',
    expect: { lines: ['2023-11-14 22:14:00 +0000 UTC'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ .status }}{{- " " -}}{{ .path }}`',
    expect: { lines: ['504 /v1/chat'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ .message | title }}`',
    expect: { lines: ['Upstream Timeout'] },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | line_format `{{ .nope | nosuchfn }}`',
    expect: { error: 400, match: /nosuchfn/ },
  },
  // ---- decolorize ----
  { query: '{app="nginx"} | decolorize |= "red alert plain"', expect: { lines: ['red alert plain'] } },
  { query: '{app="nginx"} |= "red alert plain"', expect: { lines: [] } },
  // ---- label_format ----
  {
    query: '{app="api-service", level="ERROR"} | json | label_format p=path | line_format "{{.p}}|{{.path}}"',
    expect: { lines: ['/v1/chat|'] },
  },
  {
    query:
      '{app="api-service", level="ERROR"} | json | label_format code="{{.status}}-x" | line_format "{{.code}}"',
    expect: { lines: ['504-x'] },
  },
  {
    query: '{app="nginx"} | label_format app="web"',
    expect: { lines: ['L11', 'L10', 'L9'], labels: { app: 'web', level: 'INFO', namespace: 'edge' } },
  },
  { query: '{app="nginx"} | label_format a=b, a=c', expect: { error: 400, match: /multiple label name/ } },
  // ---- drop / keep ----
  {
    query: '{app="nginx"} | drop namespace',
    expect: { lines: ['L11', 'L10', 'L9'], labels: { app: 'nginx', level: 'INFO' } },
  },
  { query: '{app="nginx"} | keep app', expect: { lines: ['L11', 'L10', 'L9'], labels: { app: 'nginx' } } },
  {
    query: '{app="api-service", level="ERROR"} | json | keep path, status',
    expect: { lines: ['L4'], labels: { path: '/v1/chat', status: '504' } },
  },
  {
    query: '{app="api-service", level="ERROR"} | json | keep level="ERROR", path',
    expect: { lines: ['L4'], labels: { level: 'ERROR', path: '/v1/chat' } },
  },
  {
    query: '{app="api-service", level="ERROR"} | keep app, level | drop level="ERROR"',
    expect: { lines: ['L4'], labels: { app: 'api-service' } },
  },
  {
    query: '{app="api-service", level="ERROR"} | keep app, level | drop level="INFO"',
    expect: { lines: ['L4'], labels: { app: 'api-service', level: 'ERROR' } },
  },
  {
    query: '{app="api-service", level="ERROR"} | drop trace_id, request_id',
    expect: { lines: ['L4'], labels: { app: 'api-service', level: 'ERROR', namespace: 'prod' } },
  },
  // ---- direction and limit ----
  { query: '{app="api-service"}', limit: 2, expect: { lines: ['L4', 'L3'] } },
  { query: '{app="api-service"}', limit: 2, direction: 'forward', expect: { lines: ['L1', 'L2'] } },
  { query: '{namespace=~".+"}', limit: 3, expect: { lines: ['L12', 'L11', 'L6'] } },
  { query: '{namespace=~".+"}', limit: 3, direction: 'forward', expect: { lines: ['L1', 'L9', 'L5'] } },
  // ---- range aggregations (instant, at base+60s) ----
  { query: 'sum(count_over_time({app="api-service"}[1m]))', expect: { vector: { '{}': '4' } } },
  {
    query: 'sum by (level) (count_over_time({app="api-service"}[1m]))',
    expect: { vector: { '{level="ERROR"}': '1', '{level="INFO"}': '3' } },
  },
  {
    query: 'sum by (app) (count_over_time({namespace="prod"}[30s]))',
    expect: { vector: { '{app="api-service"}': '1', '{app="model-router"}': '2' } },
  },
  { query: 'sum(rate({app="model-router"}[1m]))', expect: { vector: { '{}': String(4 / 60) } } },
  {
    query: 'sum by (app) (rate({namespace=~"prod|edge"}[1m]))',
    expect: {
      vector: {
        '{app="api-service"}': String(4 / 60),
        '{app="model-router"}': String(4 / 60),
        '{app="nginx"}': String(3 / 60),
      },
    },
  },
  {
    query: 'count_over_time({app="nginx"}[1m])',
    expect: { vector: { '{app="nginx", level="INFO", namespace="edge"}': '3' } },
  },
  {
    query: 'bytes_over_time({app="nginx"}[1m])',
    expect: { vector: { '{app="nginx", level="INFO", namespace="edge"}': bytes('L9', 'L10', 'L11') } },
  },
  {
    query: 'bytes_rate({app="nginx"}[1m])',
    expect: {
      vector: {
        '{app="nginx", level="INFO", namespace="edge"}': String(Number(bytes('L9', 'L10', 'L11')) / 60),
      },
    },
  },
  {
    query: 'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)',
    expect: { vector: { '{path="/v1/chat"}': String(6020 / 60), '{path="/v1/models"}': '0.5' } },
  },
  {
    query: 'sum by (path) (sum_over_time({app="api-service"} | json | unwrap latency_ms [1m]))',
    expect: { vector: { '{path="/v1/chat"}': '6020', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'avg_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': String(6020 / 3), '{path="/v1/models"}': '30' } },
  },
  {
    query: 'max_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': '5000', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'min_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': '120', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'first_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': '120', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'last_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': '5000', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'quantile_over_time(0.5, {app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': '900', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'quantile_over_time(0.75, {app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': '2950', '{path="/v1/models"}': '30' } },
  },
  {
    query: 'stddev_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': String(chatStd), '{path="/v1/models"}': '0' } },
  },
  {
    query: 'stdvar_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (path)',
    expect: { vector: { '{path="/v1/chat"}': String(chatStd ** 2), '{path="/v1/models"}': '0' } },
  },
  {
    query: 'sum by (model) (sum_over_time({app="model-router"} | logfmt | unwrap duration(latency) [1m]))',
    expect: { vector: { '{model="gpt-4"}': String(1.2 + 0.25), '{model="llama"}': String(0.08 + 0.015) } },
  },
  {
    query:
      'sum by (model) (sum_over_time({app="model-router"} | logfmt | unwrap duration_seconds(latency) [1m]))',
    expect: { vector: { '{model="gpt-4"}': String(1.2 + 0.25), '{model="llama"}': String(0.08 + 0.015) } },
  },
  {
    query: 'sum by (path) (sum_over_time({app="api-service"} | json | unwrap bytes(size) [1m]))',
    expect: { vector: { '{path="/v1/chat"}': '3500', '{path="/v1/models"}': '200' } },
  },
  {
    query: 'sum by (path) (sum_over_time({app="api-service"} | json | unwrap duration(took) [1m]))',
    expect: { vector: { '{path="/v1/chat"}': String(0.12 + 0.9 + 5), '{path="/v1/models"}': '0.03' } },
  },
  {
    query: 'sum by (model) (max_over_time({app="model-router"} | logfmt | unwrap retries [1m]))',
    expect: { vector: { '{model="gpt-4"}': '2', '{model="llama"}': '0' } },
  },
  {
    query: 'sum(sum_over_time({app="api-service"} | json | unwrap message [1m]))',
    expect: { error: 400, match: /SampleExtractionErr/ },
  },
  {
    query: 'sum(sum_over_time({app="api-service"} | json | unwrap message | __error__="" [1m]))',
    expect: { vector: {} },
  },
  {
    query: 'sum(count_over_time({app="model-router"} | json [1m]))',
    expect: { error: 400, match: /JSONParserErr/ },
  },
  {
    query:
      'sum(count_over_time({app="model-router"} | json | __error__!="" | drop __error__, __error_details__ [1m]))',
    expect: { vector: { '{}': '4' } },
  },
  {
    query: 'sum(count_over_time({app="api-service"} | json | unwrap latency_ms [1m]))',
    expect: { error: 400 },
  },
  { query: 'sum_over_time({app="api-service"}[1m])', expect: { error: 400, match: /unwrap/ } },
  { query: 'absent_over_time({app="nothing"}[1m])', expect: { vector: { '{app="nothing"}': '1' } } },
  { query: 'absent_over_time({app="nginx"}[1m])', expect: { vector: {} } },
  { query: 'sum(count_over_time({app="api-service"}[1m] offset 30s))', expect: { vector: { '{}': '3' } } },
  { query: 'sum(count_over_time({app="api-service"}[20s]))', expect: { vector: {} } },
  { query: 'sum(count_over_time({app="api-service"}[21s]))', expect: { vector: { '{}': '1' } } },
  { query: 'sum(count_over_time({app="api-service"} |= "chat" [1m]))', expect: { vector: { '{}': '3' } } },
  {
    query: 'sum(count_over_time({app="api-service"} | json | status >= 500 [1m]))',
    expect: { vector: { '{}': '2' } },
  },
  {
    query: 'sum by (status) (count_over_time({app="api-service"} | json | __error__="" [1m]))',
    expect: { vector: { '{status="200"}': '2', '{status="500"}': '1', '{status="504"}': '1' } },
  },
  { query: 'sum(count_over_time({trace_id="t3"}[1m]))', expect: { vector: { '{}': '2' } } },
  {
    query: 'sum(count_over_time({namespace=~".+"} | trace_id="t3" [1m]))',
    expect: { vector: { '{}': '2' } },
  },
  {
    query: 'sum by (user_id) (count_over_time({app="api-service"} | json | user_tier="free" [1m]))',
    expect: { vector: { '{user_id="u2"}': '1', '{user_id="u3"}': '1' } },
  },
  {
    query: 'sum(count_over_time({app="api-service"} | json | line_format "{{.path}}" |= "models" [1m]))',
    expect: { vector: { '{}': '1' } },
  },
  {
    query: 'sum(bytes_over_time({app="api-service"} | json | line_format "{{.path}}" [1m]))',
    expect: { vector: { '{}': '34' } },
  },
  {
    query: 'sum by (pod) (count_over_time({app="packed"} | unpack [1m]))',
    expect: { vector: { '{pod="p-1"}': '1' } },
  },
  {
    query: 'count_over_time({app="api-service", level="ERROR"} | drop trace_id, request_id [1m])',
    expect: { vector: { '{app="api-service", level="ERROR", namespace="prod"}': '1' } },
  },
  {
    query: 'sum by (app) (count_over_time({namespace="prod"} | drop level [1m]))',
    expect: { vector: { '{app="api-service"}': '4', '{app="model-router"}': '4' } },
  },
  // ---- vector aggregations ----
  { query: 'count(count_over_time({namespace="prod"}[1m]))', expect: { vector: { '{}': '6' } } },
  {
    query: 'max by (app) (sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service"}': '3', '{app="model-router"}': '2' } },
  },
  {
    query: 'min by (app) (sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service"}': '1', '{app="model-router"}': '2' } },
  },
  {
    query: 'avg by (app) (sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service"}': '2', '{app="model-router"}': '2' } },
  },
  {
    query: 'count by (app) (sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service"}': '2', '{app="model-router"}': '2' } },
  },
  {
    query: 'stddev by (app) (sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service"}': '1', '{app="model-router"}': '0' } },
  },
  {
    query: 'stdvar by (app) (sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service"}': '1', '{app="model-router"}': '0' } },
  },
  {
    query: 'topk(1, sum by (level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{level="INFO"}': '5' } },
  },
  {
    query: 'approx_topk(1, sum by (level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{level="INFO"}': '5' } },
  },
  {
    query: 'bottomk(1, sum by (level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{level="ERROR"}': '3' } },
  },
  {
    query: 'topk(1, sum by (app, level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{app="api-service", level="INFO"}': '3' } },
  },
  {
    query: 'topk(1, sum by (app, level) (count_over_time({namespace="prod"}[1m]))) by (level)',
    expect: {
      vector: { '{app="api-service", level="INFO"}': '3', '{app="model-router", level="ERROR"}': '2' },
    },
  },
  {
    query: 'sum without (namespace, trace_id, request_id) (count_over_time({app="api-service"}[1m]))',
    expect: {
      vector: { '{app="api-service", level="ERROR"}': '1', '{app="api-service", level="INFO"}': '3' },
    },
  },
  {
    query: 'sort_desc(sum by (app) (count_over_time({namespace=~"prod|edge"}[30s])))',
    expect: { vector: { '{app="api-service"}': '1', '{app="model-router"}': '2', '{app="nginx"}': '2' } },
  },
  {
    query: 'sort(sum by (level) (count_over_time({namespace="prod"}[1m])))',
    expect: { vector: { '{level="ERROR"}': '3', '{level="INFO"}': '5' } },
  },
  {
    query: 'sum(count_over_time({namespace="prod"}[1m])) by (app)',
    expect: { vector: { '{app="api-service"}': '4', '{app="model-router"}': '4' } },
  },
  { query: 'topk(0, sum by (level) (count_over_time({namespace="prod"}[1m])))', expect: { error: 400 } },
  { query: 'sum by (app) ({app="nginx"})', expect: { error: 400 } },
  // ---- binary operators ----
  { query: 'sum(count_over_time({app="api-service"}[1m])) * 2', expect: { vector: { '{}': '8' } } },
  {
    query: 'sum(count_over_time({app="api-service"}[1m])) / sum(count_over_time({namespace="prod"}[1m]))',
    expect: { vector: { '{}': '0.5' } },
  },
  {
    query: 'sum by (level) (count_over_time({namespace="prod"}[1m])) > 4',
    expect: { vector: { '{level="INFO"}': '5' } },
  },
  {
    query: 'sum by (level) (count_over_time({namespace="prod"}[1m])) > bool 4',
    expect: { vector: { '{level="ERROR"}': '0', '{level="INFO"}': '1' } },
  },
  {
    query: '2 * sum by (level) (count_over_time({namespace="prod"}[1m])) - 1',
    expect: { vector: { '{level="ERROR"}': '5', '{level="INFO"}': '9' } },
  },
  { query: '1 + 2 * 3', expect: { scalar: '7' } },
  { query: '2 ^ 3 ^ 2', expect: { scalar: '512' } },
  { query: '(1 + 2) * 3', expect: { scalar: '9' } },
  { query: '10 - 2 - 3', expect: { scalar: '5' } },
  { query: '7 % 4', expect: { scalar: '3' } },
  { query: '1 > bool 2', expect: { scalar: '0' } },
  { query: '2 == bool 2', expect: { scalar: '1' } },
  { query: '1 > 2', expect: { error: 400 } },
  {
    query:
      'sum by (level) (count_over_time({namespace="prod"}[1m])) - on (level) sum by (level) (count_over_time({app="model-router"}[1m]))',
    expect: { vector: { '{level="ERROR"}': '1', '{level="INFO"}': '3' } },
  },
  {
    query:
      'sum by (app, level) (count_over_time({namespace="prod"}[1m])) / on (app) group_left sum by (app) (count_over_time({namespace="prod"}[1m]))',
    expect: {
      vector: {
        '{app="api-service", level="ERROR"}': '0.25',
        '{app="api-service", level="INFO"}': '0.75',
        '{app="model-router", level="ERROR"}': '0.5',
        '{app="model-router", level="INFO"}': '0.5',
      },
    },
  },
  {
    query:
      'sum by (app, level) (count_over_time({namespace="prod"}[1m])) / on (app) sum by (app) (count_over_time({namespace="prod"}[1m]))',
    expect: { error: 400, match: /many|duplicate/ },
  },
  {
    query:
      'sum by (app) (count_over_time({namespace="prod"}[1m])) and sum by (app) (count_over_time({app="model-router"}[1m]))',
    expect: { vector: { '{app="model-router"}': '4' } },
  },
  {
    query:
      'sum by (app) (count_over_time({namespace="prod"}[1m])) unless sum by (app) (count_over_time({app="model-router"}[1m]))',
    expect: { vector: { '{app="api-service"}': '4' } },
  },
  {
    query:
      'sum by (app) (count_over_time({app="nginx"}[1m])) or sum by (app) (count_over_time({app="model-router"}[1m]))',
    expect: { vector: { '{app="model-router"}': '4', '{app="nginx"}': '3' } },
  },
  {
    query:
      'sum by (app) (count_over_time({namespace="prod"}[1m])) + sum by (app) (count_over_time({namespace="prod"}[1m]))',
    expect: { vector: { '{app="api-service"}': '8', '{app="model-router"}': '8' } },
  },
  {
    query:
      'sum by (app, level) (count_over_time({namespace="prod"}[1m])) + ignoring (level) sum by (app) (count_over_time({level="ERROR"}[1m]))',
    expect: { error: 400, match: /many|duplicate/ },
  },
  {
    query:
      'sum by (app) (count_over_time({namespace="prod"}[1m])) == bool on (app) sum by (app) (count_over_time({level="ERROR"}[1m]))',
    expect: { vector: { '{app="api-service"}': '0', '{app="model-router"}': '0' } },
  },
  { query: 'vector(1) + 1', expect: { vector: { '{}': '2' } } },
  { query: 'sum(count_over_time({app="nothing"}[1m])) or vector(0)', expect: { vector: { '{}': '0' } } },
  { query: 'sum(count_over_time({app="api-service"}[1m])) and 1', expect: { error: 400 } },
  {
    query: 'label_replace(sum by (app) (count_over_time({app="nginx"}[1m])), "svc", "$1", "app", "(.*)")',
    expect: { vector: { '{app="nginx", svc="nginx"}': '3' } },
  },
  {
    query: 'label_replace(sum by (app) (count_over_time({app="nginx"}[1m])), "svc", "$1", "app", "x(.*)")',
    expect: { vector: { '{app="nginx"}': '3' } },
  },
  // ---- range queries (matrix) ----
  {
    query: 'sum(count_over_time({app="api-service"}[10s]))',
    range: [10, 40, 10],
    expect: {
      matrix: {
        '{}': [
          [10, '1'],
          [20, '1'],
          [30, '1'],
          [40, '1'],
        ],
      },
    },
  },
  {
    query: 'sum by (app) (count_over_time({namespace="prod"}[20s]))',
    range: [20, 40, 20],
    expect: {
      matrix: {
        '{app="api-service"}': [
          [20, '2'],
          [40, '2'],
        ],
        '{app="model-router"}': [
          [20, '1'],
          [40, '2'],
        ],
      },
    },
  },
  {
    query: 'sum(rate({app="model-router"}[30s]))',
    range: [15, 45, 15],
    expect: {
      matrix: {
        '{}': [
          [15, String(1 / 30)],
          [30, String(2 / 30)],
          [45, String(3 / 30)],
        ],
      },
    },
  },
  {
    query: 'vector(1)',
    range: [0, 20, 10],
    expect: {
      matrix: {
        '{}': [
          [0, '1'],
          [10, '1'],
          [20, '1'],
        ],
      },
    },
  },
  {
    query: 'absent_over_time({app="nginx"}[10s])',
    range: [0, 60, 20],
    expect: {
      matrix: {
        '{app="nginx"}': [
          [0, '1'],
          [60, '1'],
        ],
      },
    },
  },
  {
    query: 'sum(count_over_time({app="api-service"}[10s] offset 10s))',
    range: [20, 50, 10],
    expect: {
      matrix: {
        '{}': [
          [20, '1'],
          [30, '1'],
          [40, '1'],
          [50, '1'],
        ],
      },
    },
  },
  { query: '{app="api-service"}', range: [15, 35, 1], expect: { lines: ['L3', 'L2'] } },
  // ---- errors and unsupported constructs ----
  { query: '{}', expect: { error: 400 } },
  { query: '{app=""}', expect: { error: 400 } },
  { query: '{app=~".*"}', expect: { error: 400 } },
  { query: 'sum(count_over_time({app="x"}))', expect: { error: 400 } },
  { query: '{app="x"} | unknown_stage', expect: { error: 400 } },
  { query: 'count_over_time({app="x"}[1x])', expect: { error: 400 } },
  { query: '{app="nginx"} |= ip("10.0.0.256")', expect: { error: 400, match: /ip pattern/ } },
  { query: '{app="nginx"} |= ip("10.0.0.0/33")', expect: { error: 400, match: /ip pattern/ } },
  {
    query: 'approx_count_distinct(user_id, {app="x"}[1m])',
    expect: { error: 400, match: /unsupported LogQL construct: approx_count_distinct/ },
  },
  { query: '', expect: { error: 400 } },
  {
    query: 'approx_topk(2, sum by (app) (count_over_time({namespace="prod"}[1m])))',
    range: [0, 60, 30],
    expect: { error: 400, match: /instant/ },
  },
];
