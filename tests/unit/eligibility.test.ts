import { eligibilityOf, snapshotOf, type DefinitionEntity } from '../../src/plugins/message-runs/server/src/domain/definition';
import { skipReasonCase, skipReasonOf, statusOfReasonSql } from '../../src/plugins/message-runs/server/src/domain/eligibility';

/** What the snapshot keeps as the definition has it. */
const keptAsIs = {
  documentId: 'def1',
  name: 'Monthly invoice',
  fromKey: 'billing',
  recipientKey: 'invoices',
  subjectTemplate: 'Invoice {{invoice.label}}',
  bodyTemplate: '<p>Hello</p>',
};
const definition: DefinitionEntity = {
  id: 7,
  ...keptAsIs,
  textTemplate: undefined,
  zipAttachments: null,
  collate: true,
  invoiceTransformations: [
    { id: 3, documentId: 'tr3', name: 'PDF' },
    { id: 5, documentId: 'tr5', name: 'UBL' },
  ],
  translations: [
    { languageCode: 'nl', subjectTemplate: 'Factuur', bodyTemplate: '', textTemplate: null },
    { languageCode: 'de-AT', subjectTemplate: null, bodyTemplate: '<p>Servus</p>' },
  ],
};

describe('snapshotOf', () => {
  it('keeps what a run needs of its definition, empty templates as null and flags as booleans', () => {
    expect(snapshotOf(definition)).toEqual({
      ...keptAsIs,
      textTemplate: null,
      translations: [
        { languageCode: 'nl', subjectTemplate: 'Factuur', bodyTemplate: null, textTemplate: null },
        { languageCode: 'de-AT', subjectTemplate: null, bodyTemplate: '<p>Servus</p>', textTemplate: null },
      ],
      zipAttachments: false,
      collate: true,
      invoiceTransformations: [
        { id: 3, documentId: 'tr3', name: 'PDF' },
        { id: 5, documentId: 'tr5', name: 'UBL' },
      ],
    });
  });

  it('keeps no translations for a definition without any', () => {
    expect(snapshotOf({ ...definition, translations: null }).translations).toEqual([]);
  });
});

describe('eligibilityOf', () => {
  it('is the recipient key and the ids of the transformations an invoice needs a document of', () => {
    expect(eligibilityOf(snapshotOf(definition))).toEqual({ recipientKey: 'invoices', transformationIds: [3, 5] });
  });
});

describe('skipReasonOf', () => {
  it('names the first rule that holds, in the order already-sent, no-recipient, suppressed, no-transformation-result', () => {
    const all = { 'already-sent': true, 'no-recipient': true, suppressed: true, 'no-transformation-result': true };
    expect(skipReasonOf(all)).toBe('already-sent');
    expect(skipReasonOf({ ...all, 'already-sent': false })).toBe('no-recipient');
    expect(skipReasonOf({ suppressed: true, 'no-transformation-result': true })).toBe('suppressed');
    expect(skipReasonOf({ 'no-transformation-result': true })).toBe('no-transformation-result');
  });

  it('is null when no rule holds', () => {
    expect(skipReasonOf({ 'already-sent': false, 'no-recipient': false })).toBeNull();
    expect(skipReasonOf({})).toBeNull();
  });
});

describe('skipReasonCase', () => {
  it('tests the given conditions in the rules’ order, whatever order they are given in, with their bindings in that order', () => {
    const sql = skipReasonCase({
      'no-transformation-result': { sql: 'NOT EXISTS ?', bindings: ['documents'] },
      'no-recipient': { sql: 'email.address IS NULL', bindings: [] },
      suppressed: { sql: 'EXISTS ?', bindings: ['suppression'] },
    });
    expect(sql).toEqual({
      sql: "CASE WHEN email.address IS NULL THEN 'no-recipient' WHEN EXISTS ? THEN 'suppressed' WHEN NOT EXISTS ? THEN 'no-transformation-result' END",
      bindings: ['suppression', 'documents'],
    });
  });

  it('puts already-sent first when it is tested', () => {
    const sql = skipReasonCase({ suppressed: { sql: 'S', bindings: [2] }, 'already-sent': { sql: 'A', bindings: [1] } });
    expect(sql).toEqual({ sql: "CASE WHEN A THEN 'already-sent' WHEN S THEN 'suppressed' END", bindings: [1, 2] });
  });

  it('is NULL (eligible) with no condition', () => {
    expect(skipReasonCase({})).toEqual({ sql: 'NULL', bindings: [] });
  });

  it('makes the status from the reason: queued without one, skipped with one', () => {
    expect(statusOfReasonSql('r.reason')).toBe("CASE WHEN r.reason IS NULL THEN 'queued' ELSE 'skipped' END");
  });
});
