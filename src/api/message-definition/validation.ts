import { problem, type DocumentRules, type FieldProblem } from '../../validation/document-rules';
import { findTemplateProblem } from '../../validation/handlebars-syntax';

const TEMPLATE_FIELDS = ['subjectTemplate', 'bodyTemplate', 'textTemplate'] as const;

export const messageDefinitionRules: DocumentRules = {
  populate: { invoiceTransformations: { fields: ['name'] } },
  async check(stored, { strapi }) {
    const problems: FieldProblem[] = [];
    for (const field of TEMPLATE_FIELDS) {
      const source = stored[field];
      if (!source) continue;
      const found = findTemplateProblem(source);
      if (found) {
        const verdict = found.compiles ? 'cannot be rendered' : 'does not compile';
        problems.push(problem([field], `${verdict}: line ${found.line}, column ${found.column}: ${found.message}`));
      }
    }
    if (/[\r\n]/.test(stored.subjectTemplate ?? '')) {
      problems.push(problem(['subjectTemplate'], 'must be one line'));
    }
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
