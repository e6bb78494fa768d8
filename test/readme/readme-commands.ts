// The commands of a Markdown file's ```sh blocks, as a reader types them: one command per line (a line
// ending in a backslash goes on), `# ...` lines right after a command are what it prints, and an
// untagged ``` block right after a sh block is what that block's last command prints. A block the
// walk-through cannot run says why in an HTML comment right above it: <!-- walkthrough: reason -->.

export interface ReadmeCommand {
  /** 1-based line in the file where the command starts. */
  line: number;
  /** As written, continuation lines and a trailing comment included. */
  written: string;
  /** On one line (continuations joined), without the trailing comment: what the shell runs. */
  text: string;
  /** The output the file shows for it, line by line; undefined when it shows none. */
  shown?: string[];
}

export interface ShBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The reason in the walkthrough marker above the block, when it has one. */
  marker?: string;
  commands: ReadmeCommand[];
}

const FENCE = /^```\s*([\w-]*)\s*$/;
const MARKER = /^<!--\s*walkthrough:\s*(.*?)\s*-->$/;

export function shBlocks(markdown: string): ShBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShBlock[] = [];
  // The last sh block and the line index of its closing fence.
  let last: { block: ShBlock; end: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    if (end === lines.length) throw new Error(`line ${start + 1}: a code block is never closed`);
    const body = lines.slice(start + 1, end);
    const info = open[1] ?? '';
    if (info === 'sh' || info === 'bash' || info === 'shell') {
      const block = {
        line: start + 1,
        marker: markerAbove(lines, start),
        commands: commandsOf(body, start + 2),
      };
      blocks.push(block);
      last = { block, end };
    } else if (info === '' && last && previousText(lines, start) === last.end) {
      // What the sh block just above prints, from its last command.
      const command = last.block.commands.at(-1);
      if (command) command.shown = body;
    }
    i = end;
  }
  return blocks;
}

/** The index of the last non-blank line before line `i` (-1 when there is none). */
function previousText(lines: string[], i: number): number {
  let k = i - 1;
  while (k >= 0 && (lines[k] as string).trim() === '') k--;
  return k;
}

function markerAbove(lines: string[], fence: number): string | undefined {
  const k = previousText(lines, fence);
  const m = k >= 0 ? MARKER.exec((lines[k] as string).trim()) : null;
  return m ? m[1] : undefined;
}

function commandsOf(body: string[], firstLine: number): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  let current: ReadmeCommand | undefined;
  let continued = false;
  body.forEach((raw, k) => {
    if (continued && current) {
      current.written += `\n${raw}`;
      continued = raw.endsWith('\\');
      return;
    }
    if (raw.trim() === '') {
      current = undefined;
      return;
    }
    if (raw.startsWith('#')) {
      // Output shown for the command above; a comment that follows no command is prose.
      if (current) current.shown = [...(current.shown ?? []), raw.replace(/^# ?/, '')];
      return;
    }
    current = { line: firstLine + k, written: raw, text: '' };
    commands.push(current);
    continued = raw.endsWith('\\');
  });
  for (const c of commands) c.text = withoutComment(c.written.replace(/\s*\\\n\s*/g, ' ')).trim();
  return commands;
}

/**
 * Walks a one-line shell command outside quotes, calling `visit` with each index there; stops when
 * `visit` returns true. Enough shell for a README: quotes and backslashes, no here-documents.
 */
function scanUnquoted(text: string, visit: (i: number) => boolean): void {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '\\') i++;
    else if (ch === '"' || ch === "'") quote = ch;
    else if (visit(i)) return;
  }
}

/** The command without a trailing `# comment` (a `#` that starts a word, outside quotes). */
export function withoutComment(text: string): string {
  let cut = text.length;
  scanUnquoted(text, (i) => {
    if (text[i] === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      cut = i;
      return true;
    }
    return false;
  });
  return text.slice(0, cut).trimEnd();
}

/** The parts of `a && b && c`, each trimmed. */
export function andList(text: string): string[] {
  const parts: string[] = [];
  let from = 0;
  scanUnquoted(text, (i) => {
    if (text.startsWith('&&', i)) {
      parts.push(text.slice(from, i).trim());
      from = i + 2;
    }
    return false;
  });
  parts.push(text.slice(from).trim());
  return parts;
}
