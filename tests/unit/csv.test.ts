import { csvField, csvLine, UTF8_BOM } from '../../src/plugins/message-runs/server/src/utils/csv';

describe('csvField', () => {
  it('writes nothing for null and undefined, and plain text as it is', () => {
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField('Schäfer GmbH')).toBe('Schäfer GmbH');
    expect(csvField(3)).toBe('3');
  });

  it('quotes a field with a comma, a quote or a line break, doubling its quotes (RFC 4180)', () => {
    expect(csvField('Smith, John')).toBe('"Smith, John"');
    expect(csvField('the "best" customer')).toBe('"the ""best"" customer"');
    expect(csvField('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
  });

  it('defuses what a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+31 20 123')).toBe("'+31 20 123");
    expect(csvField('-5')).toBe("'-5");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField('a=b')).toBe('a=b');
  });
});

describe('csvLine', () => {
  it('joins fields with commas and ends with CRLF', () => {
    expect(csvLine(['a', null, 'b,c', 7])).toBe('a,,"b,c",7\r\n');
  });

  it('has a byte-order mark for Excel', () => {
    expect(UTF8_BOM).toBe('\ufeff');
  });
});
