import { describe, expect, it } from 'vitest';
import { literalPrefix, parseKeyPattern, readKey, renderKey } from '../../src/pipelines/adatrap/keys.js';
import { render } from '../../src/pipelines/adatrap/template.js';

describe('adatrap key patterns', () => {
  it('renders the day in any layout, and reads it back out of a key', () => {
    const parts = parseKeyPattern('po/{date:YYYY/MM/DD}_{date:YYYYMMDD}.po.zip');
    expect(renderKey(parts, '2021-04-22')).toBe('po/2021/04/22_20210422.po.zip');
    expect(literalPrefix(parts)).toBe('po/');
    expect(readKey(parts, 'po/2021/04/22_20210422.po.zip')).toEqual({ date: '2021-04-22' });
    // The same slot twice must name the same day.
    expect(readKey(parts, 'po/2021/04/22_20210423.po.zip')).toBeUndefined();
  });

  it('reads a range, and refuses days that do not exist', () => {
    const parts = parseKeyPattern('Diccionario-DetalleServicioZP_{from:YYYYMMDD}_{to:YYYYMMDD}.csv.gz');
    expect(readKey(parts, 'Diccionario-DetalleServicioZP_20210401_20210630.csv.gz')).toEqual({ from: '2021-04-01', to: '2021-06-30' });
    expect(readKey(parts, 'Diccionario-DetalleServicioZP_20210230_20210630.csv.gz')).toBeUndefined();
    expect(readKey(parts, 'Diccionario-DetalleServicioZP_20210401_20210630.csv.gz.bak')).toBeUndefined();
    expect(readKey(parts, 'x/Diccionario-DetalleServicioZP_20210401_20210630.csv.gz')).toBeUndefined();
  });

  it('takes the pattern\'s other characters literally, regular-expression characters included', () => {
    const parts = parseKeyPattern('a+b (copy) [1].{date}.gz');
    expect(readKey(parts, 'a+b (copy) [1].2021-04-22.gz')).toEqual({ date: '2021-04-22' });
    expect(readKey(parts, 'aab (copy) [1].2021-04-22.gz')).toBeUndefined();
  });

  it.each([
    ['{date:DDMMYY}.gz', 'is not a day layout'],
    ['{date:YYYY-MM}.gz', 'is not a day layout'],
    ['{day}.gz', 'has a brace that is not a {date}, {from} or {to} placeholder'],
    ['{date.gz', 'has a brace'],
  ])('refuses %s', (pattern, message) => {
    expect(() => parseKeyPattern(pattern)).toThrow(message);
  });
});

describe('adatrap templates', () => {
  const values = new Map([['date', '2021-04-22'], ['po.date', '2021-04-19'], ['po', '.']]);

  it('replaces names and lays out days', () => {
    expect(render('{po.date}/Paraderos/X_PO{po.date:YYYYMMDD}.csv {date}', values)).toEqual({ text: '2021-04-19/Paraderos/X_PO20210419.csv 2021-04-22', unreplaced: [] });
  });

  it('names each placeholder it cannot replace, with its line', () => {
    const { unreplaced } = render('a\n{date}\n{po_path}/x {po:YYYYMMDD}\n', values);
    expect(unreplaced).toEqual([
      { placeholder: '{po_path}', line: 3, why: 'no value is named "po_path"' },
      { placeholder: '{po:YYYYMMDD}', line: 3, why: '"po" is ".", not a day' },
    ]);
  });

  it('leaves text that only looks like braces alone: {} and { spaced }', () => {
    expect(render('{} { date } {1}', values)).toEqual({ text: '{} { date } {1}', unreplaced: [] });
  });
});

describe('adatrap templates: ADATRAP .par comments', () => {
  it('leaves a placeholder nothing names in a comment alone, and replaces known ones there too', () => {
    const values = new Map([['date', '2021-04-22']]);
    expect(render('{date}\t\t* fecha {date} en formato {YYYYMMDD}\n{po_path}/x\t* ruta\n', values, { comment: '*' })).toEqual({
      text: '2021-04-22\t\t* fecha 2021-04-22 en formato {YYYYMMDD}\n{po_path}/x\t* ruta\n',
      unreplaced: [{ placeholder: '{po_path}', line: 2, why: 'no value is named "po_path"' }],
    });
  });
});
