import { problem, type DocumentRules, type FieldProblem } from '../../validation/document-rules';

export const transformationResultRules: DocumentRules = {
  populate: { file: { fields: ['name'] } },
  check(stored) {
    const hasContent = stored.content !== null && stored.content !== undefined && stored.content !== '';
    if (stored.file && hasContent) {
      return [problem(['content'], 'must be empty when a file is attached: a result is a media file or inline content')];
    }
    if (!stored.file && !hasContent) {
      return [problem(['file'], 'or inline content is required: a result is a media file or inline content')];
    }
    const problems: FieldProblem[] = [];
    if (hasContent && !stored.fileName) {
      problems.push(problem(['fileName'], 'is required with inline content (it names the attachment)'));
    }
    if (stored.fileName && /[\\/]/.test(stored.fileName)) {
      problems.push(problem(['fileName'], 'must be a file name, without folders'));
    }
    if (hasContent && !stored.mimeType) {
      problems.push(problem(['mimeType'], 'is required with inline content (e.g. text/html)'));
    }
    return problems;
  },
};
