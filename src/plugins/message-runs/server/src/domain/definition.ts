/**
 * The definition as a run keeps it (its snapshot), and what of it decides which invoices are eligible.
 * Editing the definition later never changes a run.
 */

/** A message's templates in the definition's own language. */
export interface Templates {
  subjectTemplate: string;
  bodyTemplate: string;
  textTemplate: string | null;
}

/** A definition's templates in one language; a template it leaves out (null) falls back. */
export interface TemplateTranslation {
  languageCode: string;
  subjectTemplate: string | null;
  bodyTemplate: string | null;
  textTemplate: string | null;
}

export interface DefinitionSnapshot extends Templates {
  documentId: string;
  name: string;
  fromKey: string;
  recipientKey: string;
  /** Absent in the snapshots of runs created before translations existed. */
  translations?: TemplateTranslation[];
  zipAttachments: boolean;
  collate: boolean;
  invoiceTransformations: { id: number; documentId: string; name: string }[];
}

/** A message definition as the database layer reads it, its transformations and translations populated. */
export interface DefinitionEntity {
  id: number;
  documentId: string;
  name: string;
  fromKey: string;
  recipientKey: string;
  subjectTemplate: string;
  bodyTemplate: string;
  textTemplate?: string | null;
  zipAttachments?: boolean | null;
  collate?: boolean | null;
  invoiceTransformations: { id: number; documentId: string; name: string }[];
  /** Content Manager fields left empty are stored as '' or null: both fall back. */
  translations?: { languageCode: string; subjectTemplate?: string | null; bodyTemplate?: string | null; textTemplate?: string | null }[] | null;
}

/** The snapshot a new run keeps of its definition. */
export const snapshotOf = (definition: DefinitionEntity): DefinitionSnapshot => ({
  documentId: definition.documentId,
  name: definition.name,
  fromKey: definition.fromKey,
  recipientKey: definition.recipientKey,
  subjectTemplate: definition.subjectTemplate,
  bodyTemplate: definition.bodyTemplate,
  textTemplate: definition.textTemplate ?? null,
  translations: (definition.translations ?? []).map((translation) => ({
    languageCode: translation.languageCode,
    subjectTemplate: translation.subjectTemplate || null,
    bodyTemplate: translation.bodyTemplate || null,
    textTemplate: translation.textTemplate || null,
  })),
  zipAttachments: Boolean(definition.zipAttachments),
  collate: Boolean(definition.collate),
  invoiceTransformations: definition.invoiceTransformations.map(({ id, documentId, name }) => ({ id, documentId, name })),
});

/** What of a snapshot decides eligibility: whose address, and which documents an invoice needs. */
export interface Eligibility {
  recipientKey: string;
  transformationIds: number[];
}

export const eligibilityOf = (snapshot: DefinitionSnapshot): Eligibility => ({
  recipientKey: snapshot.recipientKey,
  transformationIds: snapshot.invoiceTransformations.map((transformation) => transformation.id),
});
