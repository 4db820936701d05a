import { problem, type DocumentRules, type FieldProblem } from '../../validation/document-rules';

export const customerRules: DocumentRules = {
  check(stored, { previous }) {
    const problems: FieldProblem[] = [];
    // Invoices and integrations refer to customers by code, so it is fixed once saved.
    if (previous && previous.code !== stored.code) {
      problems.push(problem(['code'], `cannot be changed once saved (it is "${previous.code}")`));
    }
    const firstIndexOfKey = new Map<string, number>();
    (stored.emailAddresses ?? []).forEach((email: { key: string }, index: number) => {
      const first = firstIndexOfKey.get(email.key);
      if (first === undefined) {
        firstIndexOfKey.set(email.key, index);
      } else {
        problems.push(
          // Positions as the editor sees them, counted from 1 (the path stays the field's, for the form).
          problem(
            ['emailAddresses', index, 'key'],
            `"${email.key}" is used twice, by email address ${first + 1} and ${index + 1}: a key names one address of the customer`
          )
        );
      }
    });
    return problems;
  },
};
