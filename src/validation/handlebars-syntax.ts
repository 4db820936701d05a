import Handlebars from 'handlebars';
import { TEMPLATE_HELPERS } from '../plugins/message-runs/server/src/services/templates';

export interface TemplateProblem {
  /** false when Handlebars itself refuses the template; true when it compiles but cannot render here. */
  compiles: boolean;
  line: number;
  column: number;
  message: string;
}

/**
 * Says where a template fails (1-based line and column): first as Handlebars compiles it, then
 * whatever the renderer's environment does not have (unknown helpers, `log`, partials, decorators),
 * which would fail every message of a run, or write to the server's log.
 */
export function findTemplateProblem(source: string): TemplateProblem | undefined {
  return findSyntaxError(source) ?? findUnsupportedFeature(Handlebars.parse(source));
}

/** The parser's lexer, which Handlebars' type definitions do not declare. */
type ParserState = { Parser: { lexer: { yylloc: { first_line: number; first_column: number } } } };

/**
 * Compiles a template the way the renderer will. Handlebars reports block mismatches with
 * `lineNumber`/`column`, but parse errors only as text; for those the position is that of the
 * offending token, which the (synchronous) lexer still holds.
 */
function findSyntaxError(source: string): TemplateProblem | undefined {
  try {
    Handlebars.precompile(source, { strict: false, knownHelpersOnly: false });
    return undefined;
  } catch (error) {
    const err = error as Error & { lineNumber?: number; column?: number };
    if (typeof err.lineNumber === 'number') {
      return { compiles: false, line: err.lineNumber, column: (err.column ?? 0) + 1, message: err.message.replace(/ - \d+:\d+$/, '') };
    }
    const { first_line: line, first_column: column } = (Handlebars as unknown as ParserState).Parser.lexer.yylloc;
    // "Parse error on line 3:\n<excerpt>\n---^\nExpecting 'ID', …, got 'CLOSE'": said in words.
    const parsed = /Expecting (.*), got '(\w+)'/.exec(err.message);
    const message = parsed ? describeParseError(parsed[1].match(/\w+/g) ?? [], parsed[2]) : err.message;
    return { compiles: false, line, column: column + 1, message };
  }
}

/** The parser's tokens as an editor writes them. */
const TOKEN_WORDS: Record<string, string> = {
  CLOSE: '}}',
  CLOSE_UNESCAPED: '}}}',
  CLOSE_SEXPR: ')',
  CLOSE_RAW_BLOCK: '}}}}',
  CLOSE_BLOCK_PARAMS: '|',
  OPEN_BLOCK_PARAMS: 'as |',
  OPEN: '{{',
  OPEN_UNESCAPED: '{{{',
  OPEN_BLOCK: '{{#',
  OPEN_ENDBLOCK: '{{/',
  OPEN_INVERSE: '{{^',
  OPEN_INVERSE_CHAIN: '{{else …',
  INVERSE: '{{else}}',
  OPEN_PARTIAL: '{{>',
  OPEN_SEXPR: '(',
  EQUALS: '=',
  SEP: 'a . or /',
  EOF: 'the end of the template',
};
/** What may stand where a value goes: a name, a literal, an @variable, a subexpression. */
const VALUE_TOKENS = new Set(['ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', 'OPEN_SEXPR']);
/** What may stand where the template goes on: text, a comment, or any tag. */
const CONTENT_TOKENS = new Set(['EOF', 'COMMENT', 'CONTENT', 'OPEN_RAW_BLOCK', 'OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN', 'OPEN_UNESCAPED', 'OPEN_PARTIAL', 'OPEN_PARTIAL_BLOCK']);

const wordOf = (token: string) => TOKEN_WORDS[token] ?? token.toLowerCase().replace(/_/g, ' ');
const either = (words: string[]) => (words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`);

/**
 * A Handlebars parse error in words: "Expecting 'ID', 'STRING', … 14 tokens, got 'CLOSE'" says
 * nothing to an editor; "found }} where a name or a value was expected" does.
 */
export function describeParseError(expected: string[], got: string): string {
  if (got === 'EOF' && expected.includes('OPEN_ENDBLOCK')) return 'the template ends inside a block: close it with {{/name}}';
  if (got === 'OPEN_ENDBLOCK' && expected.some((token) => CONTENT_TOKENS.has(token))) {
    return 'found {{/…}}, which closes a block that was never opened';
  }
  if (got === 'INVALID') return 'a {{tag}} is not closed with }}, or holds a character a tag cannot have';
  const words = new Set<string>();
  for (const token of expected) {
    if (VALUE_TOKENS.has(token)) words.add('a name or a value');
    else if (CONTENT_TOKENS.has(token)) words.add('text or a {{tag}}');
    else words.add(wordOf(token));
  }
  return `found ${wordOf(got)} where ${either([...words])} was expected`;
}

type Node = hbs.AST.Node;

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';

/** What a mustache, block or subexpression has in common. */
interface Callable extends Node {
  /** A name, or a literal one: `{{"name" x}}`. */
  path: hbs.AST.PathExpression | (hbs.AST.Literal & { value: unknown });
  params: hbs.AST.Expression[];
  hash?: hbs.AST.Hash;
}

const NOT_SUPPORTED: Record<string, string> = {
  PartialStatement: 'partials ({{> name}}) are not supported',
  PartialBlockStatement: 'partials ({{#> name}}) are not supported',
  Decorator: 'decorators ({{* name}}) are not supported',
  DecoratorBlock: 'decorators ({{#* name}}) are not supported',
};

/**
 * A call is a subexpression, or a mustache or block with parameters or a hash: its name must be one
 * of TEMPLATE_HELPERS. A plain `{{customer.name}}` or a `{{#invoices}}…{{/invoices}}` section is a
 * lookup, not a call.
 */
function calledName(node: Node): string | undefined {
  const { type, path, params, hash } = node as Callable;
  const isCall = type === 'SubExpression' || ((type === 'MustacheStatement' || type === 'BlockStatement') && (params.length > 0 || !!hash));
  if (!isCall) return undefined;
  return 'original' in path ? path.original : String(path.value);
}

/** The first node, in source order, that the renderer cannot render. */
function findUnsupportedFeature(node: Node): TemplateProblem | undefined {
  const at = (message: string): TemplateProblem => ({ compiles: true, line: node.loc.start.line, column: node.loc.start.column + 1, message });
  if (NOT_SUPPORTED[node.type]) return at(NOT_SUPPORTED[node.type]);
  const name = calledName(node);
  if (name !== undefined && !TEMPLATE_HELPERS.includes(name)) {
    return at(`"${name}" is not a helper (the helpers are ${TEMPLATE_HELPERS.join(', ')})`);
  }
  for (const [key, value] of Object.entries(node as unknown as Record<string, unknown>)) {
    if (key === 'loc') continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      const problem = isNode(child) ? findUnsupportedFeature(child) : undefined;
      if (problem) return problem;
    }
  }
  return undefined;
}
