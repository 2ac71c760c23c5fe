// "host:port" parsing for listener options; a bare port means 127.0.0.1.
export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[?([^\]]*?)\]?:)?(\d+)$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid listen address "${text}": expected host:port`);
  }
  return { host: match[1] || '127.0.0.1', port };
}
