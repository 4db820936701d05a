import { problem, type DocumentRules, type FieldProblem } from '../../validation/document-rules';
import { findTemplateProblem } from '../../validation/handlebars-syntax';

const TEMPLATE_FIELDS = ['subjectTemplate', 'bodyTemplate', 'textTemplate'] as const;

/** The definition's own templates, or a translation's (with its language). */
type Templates = Partial<Record<(typeof TEMPLATE_FIELDS)[number], string | null>> & { languageCode?: string };

export const messageDefinitionRules: DocumentRules = {
  populate: { invoiceTransformations: { fields: ['name'] } },
  async check(stored, { strapi }) {
    const problems: FieldProblem[] = [];
    // The definition's own templates, then each translation's, checked alike and named by their path.
    const translations: Templates[] = stored.translations ?? [];
    const templateSets: [(string | number)[], Templates][] = [
      [[], stored as Templates],
      ...translations.map((translation, i): [(string | number)[], Templates] => [['translations', i], translation]),
    ];
    for (const [prefix, templates] of templateSets) {
      for (const field of TEMPLATE_FIELDS) {
        const source = templates[field];
        if (!source) continue;
        const found = findTemplateProblem(source);
        if (found) {
          const verdict = found.compiles ? 'cannot be rendered' : 'does not compile';
          problems.push(problem([...prefix, field], `${verdict}: line ${found.line}, column ${found.column}: ${found.message}`));
        }
      }
      if (/[\r\n]/.test(templates.subjectTemplate ?? '')) {
        problems.push(problem([...prefix, 'subjectTemplate'], 'must be one line'));
      }
    }
    const languages = translations.map((translation) => translation.languageCode);
    languages.forEach((code, i) => {
      if (languages.indexOf(code) < i) problems.push(problem(['translations', i, 'languageCode'], `"${code}" has a translation already`));
    });
    if (!stored.recipientKey?.trim()) {
      problems.push(problem(['recipientKey'], 'must not be blank'));
    }
    if (stored.fromKey) {
      const sender = await strapi.documents('api::message-sender.message-sender').findFirst({
        filters: { key: stored.fromKey },
        fields: ['key'],
      });
      if (!sender) {
        problems.push(problem(['fromKey'], `"${stored.fromKey}" is not the key of any message sender`));
      }
    }
    if (!stored.invoiceTransformations?.length) {
      problems.push(problem(['invoiceTransformations'], 'must name at least one invoice transformation, whose results are attached'));
    }
    return problems;
  },
};
