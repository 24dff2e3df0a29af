/**
 * Collects a step's output up to a size limit. It keeps the beginning and
 * the end, because that is where the command line and the error are, and
 * says how much it dropped in between.
 */
export class BoundedLog {
  private head = '';
  private tail = '';
  private dropped = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;

  constructor(maxCharacters: number, private readonly secrets: string[] = []) {
    this.headLimit = Math.floor(maxCharacters / 2);
    this.tailLimit = maxCharacters - this.headLimit;
  }

  append(text: string) {
    let rest = text;
    if (this.head.length < this.headLimit) {
      const room = this.headLimit - this.head.length;
      this.head += rest.slice(0, room);
      rest = rest.slice(room);
    }
    if (rest.length === 0) {
      return;
    }
    this.tail += rest;
    // Trim in batches so a chatty step does not cost a copy per chunk.
    if (this.tail.length > this.tailLimit * 2) {
      const excess = this.tail.length - this.tailLimit;
      this.dropped += excess;
      this.tail = this.tail.slice(excess);
    }
  }

  /** The last non-empty line, for failure messages. */
  lastLine(): string | undefined {
    const lines = this.toString()
      .split('\n')
      .map(l => l.trim())
      .filter(l => l && !l.startsWith('[engine]'));
    return lines[lines.length - 1];
  }

  toString(): string {
    let tail = this.tail;
    let dropped = this.dropped;
    if (tail.length > this.tailLimit) {
      dropped += tail.length - this.tailLimit;
      tail = tail.slice(tail.length - this.tailLimit);
    }
    const text =
      dropped > 0
        ? `${this.head}\n[engine] ... ${dropped} characters of output omitted ...\n${tail}`
        : this.head + tail;
    return redact(text, this.secrets);
  }
}

/** Replaces every occurrence of a secret value, so logs never show one. */
export function redact(text: string, secrets: string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) {
      result = result.split(secret).join('****');
    }
  }
  return result;
}
