import {
  languageChain,
  templatesFor,
} from '../../src/plugins/message-runs/server/src/services/templates';
import type { TemplateTranslation } from '../../src/plugins/message-runs/server/src/domain/definition';

/** Which templates a customer's language gets (DESIGN.md §2, "Translations"). */

const definition = {
  subjectTemplate: 'Invoice',
  bodyTemplate: '<p>Invoice</p>',
  textTemplate: 'Invoice (text)',
  translations: [
    { languageCode: 'nl', subjectTemplate: 'Factuur', bodyTemplate: '<p>Factuur</p>', textTemplate: null },
    { languageCode: 'nl-BE', subjectTemplate: 'Factuur (BE)', bodyTemplate: null, textTemplate: null },
    {
      languageCode: 'de',
      subjectTemplate: 'Rechnung',
      bodyTemplate: '<p>Rechnung</p>',
      textTemplate: 'Rechnung (Text)',
    },
  ] as TemplateTranslation[],
};

describe('languageChain', () => {
  it.each([
    ['nl-BE', ['nl-BE', 'nl']],
    ['nl', ['nl']],
    [null, []],
    ['', []],
  ])('%s falls back through %j', (code, chain) => {
    expect(languageChain(code)).toEqual(chain);
  });
});

describe('templatesFor', () => {
  it('takes the translation of the customer’s own code, a missing template from the definition', () => {
    expect(templatesFor(definition, 'de')).toEqual({
      language: 'de',
      templates: { subjectTemplate: 'Rechnung', bodyTemplate: '<p>Rechnung</p>', textTemplate: 'Rechnung (Text)' },
    });
    expect(templatesFor(definition, 'nl')).toEqual({
      language: 'nl',
      templates: { subjectTemplate: 'Factuur', bodyTemplate: '<p>Factuur</p>', textTemplate: 'Invoice (text)' },
    });
  });

  it('falls back per template along nl-BE → nl → the definition', () => {
    expect(templatesFor(definition, 'nl-BE')).toEqual({
      language: 'nl-BE',
      templates: { subjectTemplate: 'Factuur (BE)', bodyTemplate: '<p>Factuur</p>', textTemplate: 'Invoice (text)' },
    });
  });

  it('takes the primary language’s translation for a region it has none of', () => {
    expect(templatesFor(definition, 'nl-NL')).toMatchObject({
      language: 'nl',
      templates: { subjectTemplate: 'Factuur' },
    });
    expect(templatesFor(definition, 'de-AT')).toMatchObject({
      language: 'de',
      templates: { subjectTemplate: 'Rechnung' },
    });
  });

  it.each([[null], ['fr'], ['fr-BE']])('gives %s the definition’s own templates', (code) => {
    expect(templatesFor(definition, code)).toEqual({
      language: null,
      templates: { subjectTemplate: 'Invoice', bodyTemplate: '<p>Invoice</p>', textTemplate: 'Invoice (text)' },
    });
  });

  it('reads a snapshot without translations (a run created before them)', () => {
    const { translations: _none, ...old } = definition;
    expect(templatesFor(old, 'nl-BE')).toMatchObject({ language: null, templates: { subjectTemplate: 'Invoice' } });
  });

  it('keeps a definition without a text template without one', () => {
    expect(templatesFor({ ...definition, textTemplate: null }, 'nl').templates.textTemplate).toBeNull();
  });
});
