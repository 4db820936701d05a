import { findTemplateProblem } from '../../src/validation/handlebars-syntax';

describe('findTemplateProblem says a parse error in words, with its line and column', () => {
  it.each([
    ['Hi {{}}', 1, 6, 'found }} where a name or a value was expected'],
    ['<p>\n  {{#if paid}}Thanks', 2, 21, 'the template ends inside a block: close it with {{/name}}'],
    ['{{money amount currency=}}', 1, 25, 'found }} where a name or a value was expected'],
    ['Dear {{customer.name}}\n{{/if}}', 2, 1, 'found {{/…}}, which closes a block that was never opened'],
    ['{{{invoice.label}}', 1, 17, 'found }} where }}} or a name or a value was expected'],
    ['{{customer name', 1, 12, 'a {{tag}} is not closed with }}, or holds a character a tag cannot have'],
    ['{{customer.name}} {{money invoice.amount "EUR"}', 1, 47, 'a {{tag}} is not closed with }}, or holds a character a tag cannot have'],
  ])('%j', (source, line, column, message) => {
    const problem = findTemplateProblem(source);
    expect(problem).toEqual({ compiles: false, line, column, message });
    // No parser token names are left for the editor to decode.
    expect(problem!.message).not.toMatch(/'[A-Z_]+'|OPEN_|CLOSE\b|Expecting/);
  });

  it('keeps the words Handlebars already gives a block mismatch', () => {
    expect(findTemplateProblem('{{#if a}}x{{/each}}')).toMatchObject({ compiles: false, line: 1, message: expect.stringContaining("if doesn't match each") });
  });
});
