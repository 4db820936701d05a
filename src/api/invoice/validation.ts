import { problem, type DocumentRules } from '../../validation/document-rules';

export const invoiceRules: DocumentRules = {
  check(stored) {
    // Dates are stored as YYYY-MM-DD, which compare correctly as text.
    if (stored.periodEnd < stored.periodStart) {
      return [problem(['periodEnd'], `(${stored.periodEnd}) must not be before periodStart (${stored.periodStart})`)];
    }
    return [];
  },
};
