// The lines of a text stream, cut as readline cuts them with `crlfDelay: Infinity`: at "\n", "\r\n" and a lone "\r"
// (a progress bar redrawn in place), a "\r\n" split between two chunks being one break, the last line given even
// without a break after it. Not readline itself: its Interface also sets up history and key decoding, which every
// `command` child (two streams) and the parent (two per child) paid for nothing.
const BREAK = /\r\n|\n|\r/;

export function onLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = '';
  let endedWithReturn = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const text = endedWithReturn && chunk.startsWith('\n') ? chunk.slice(1) : chunk;
    endedWithReturn = text.endsWith('\r');
    // A long line arriving in many chunks is searched for a break chunk by chunk, not over and over from its start.
    if (!BREAK.test(text)) return void (rest += text);
    const lines = (rest + text).split(BREAK);
    rest = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest !== '') onLine(rest);
    rest = '';
  });
}
