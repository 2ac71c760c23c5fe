// Errors raised while parsing a query: a syntax error, or a construct the engine does not implement.

export class ParseError extends Error {}

export class UnsupportedError extends Error {
  constructor(readonly construct: string) {
    super(`unsupported LogQL construct: ${construct}`);
  }
}
