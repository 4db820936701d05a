import { problem, type DocumentRules, type FieldProblem } from '../../validation/document-rules';

/** type/subtype as RFC 6838 names them (no parameters): the value goes into a mail header as it is. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** Why a file name is unsafe as an attachment's name (a header parameter, a file saved by the reader), if it is. */
function fileNameProblem(fileName: string) {
  if (/[\\/]/.test(fileName)) return 'must be a file name, without folders';
  if (/[\u0000-\u001f\u007f"]/.test(fileName)) return 'must not contain control characters or double quotes';
  if (fileName !== fileName.trim()) return 'must not start or end with blanks';
  if (fileName === '.' || fileName === '..') return 'must name a file, not "." or ".."';
  return undefined;
}

export const transformationResultRules: DocumentRules = {
  populate: { file: { fields: ['name'] } },
  check(stored) {
    const hasContent = stored.content !== null && stored.content !== undefined && stored.content !== '';
    if (stored.file && hasContent) {
      return [
        problem(['content'], 'must be empty when a file is attached: a result is a media file or inline content'),
      ];
    }
    if (!stored.file && !hasContent) {
      return [problem(['file'], 'or inline content is required: a result is a media file or inline content')];
    }
    const problems: FieldProblem[] = [];
    if (hasContent && !stored.fileName) {
      problems.push(problem(['fileName'], 'is required with inline content (it names the attachment)'));
    }
    const unsafeName = stored.fileName ? fileNameProblem(stored.fileName) : undefined;
    if (unsafeName) {
      problems.push(problem(['fileName'], unsafeName));
    }
    if (hasContent && !stored.mimeType) {
      problems.push(problem(['mimeType'], 'is required with inline content (e.g. text/html)'));
    }
    if (stored.mimeType && !MEDIA_TYPE.test(stored.mimeType)) {
      problems.push(
        problem(['mimeType'], 'must be a media type as type/subtype, such as text/html or application/pdf')
      );
    }
    return problems;
  },
};
