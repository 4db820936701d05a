import Handlebars from 'handlebars';

export interface TemplateSyntaxError {
  line: number;
  column: number;
  message: string;
}

/**
 * Compiles a template the way the renderer will, and says where it fails (1-based line and column).
 * Handlebars reports block mismatches with `lineNumber`/`column`, but parse errors only as text; for
 * those the position is that of the offending token, which the (synchronous) lexer still holds.
 */
export function findTemplateSyntaxError(source: string): TemplateSyntaxError | undefined {
  try {
    Handlebars.precompile(source, { strict: false, knownHelpersOnly: false });
    return undefined;
  } catch (error) {
    const err = error as Error & { lineNumber?: number; column?: number };
    if (typeof err.lineNumber === 'number') {
      return { line: err.lineNumber, column: (err.column ?? 0) + 1, message: err.message.replace(/ - \d+:\d+$/, '') };
    }
    const { first_line: line, first_column: column } = (Handlebars as any).Parser.lexer.yylloc;
    // "Parse error on line 3:\n<excerpt>\n---^\nExpecting …": keep the expectation, drop the excerpt.
    const expectation = err.message.split('\n').slice(3).join(' ').trim();
    return { line, column: column + 1, message: expectation || err.message };
  }
}
