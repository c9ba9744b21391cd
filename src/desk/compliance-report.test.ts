import { describe, expect, it } from 'vitest';
import { csvField } from './compliance-report.ts';

describe('csvField', () => {
  it('quotes commas, quotes and line breaks (RFC 4180), neutralises a spreadsheet formula, keeps negative numbers', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField(null)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-0.5')).toBe('-0.5');
    expect(csvField(-42)).toBe('-42');
  });
});
