// Numbers as Go's fmt prints them, for templates that must read exactly as Prometheus renders them:
// `%v` of a float64 (shortest digits, exponent form from 1e+06 and below 1e-04) and `%.Ng`, `%.Nf`, `%.Ne`.

/** Go's exponent: a sign and at least two digits (`e+06`, `e-05`). */
const goExponent = (exp: number) => `e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return undefined;
}

/** Decimal digits and exponent of |v| with `precision` significant digits, or the shortest when undefined. */
function digitsOf(v: number, precision?: number): { digits: string; exp: number } {
  const text = Math.abs(v).toExponential(precision === undefined ? undefined : Math.max(precision - 1, 0));
  const [mantissa = '0', exp = '0'] = text.split('e');
  return { digits: mantissa.replace('.', '').replace(/0+$/, '') || '0', exp: Number(exp) };
}

/** `%g` with Go's rules: exponent form when the exponent is below -4 or at least `eprec`. */
function formatG(v: number, precision?: number): string {
  const sp = special(v);
  if (sp) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const { digits, exp } = digitsOf(v, precision);
  // Go decides with precision 6 when the digits are the shortest, with the precision asked for otherwise.
  const eprec = precision === undefined ? 6 : precision === 0 ? 1 : precision;
  if (exp < -4 || exp >= eprec) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}${goExponent(exp)}`;
  }
  if (exp >= 0) {
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const fraction = digits.slice(exp + 1);
    return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** Go's `%v` of a float64 (`fmt.Sprint`), as `{{ $value }}` prints. */
export function goFloat(v: number): string {
  return formatG(v, undefined);
}

/** Go's `%.<precision>g`. */
export function goG(v: number, precision: number): string {
  return formatG(v, precision);
}

/** Go's `%.<precision>f`. */
export function goF(v: number, precision = 6): string {
  return special(v) ?? v.toFixed(precision);
}

/** Go's `%.<precision>e`. */
export function goE(v: number, precision = 6): string {
  const sp = special(v);
  if (sp) return sp;
  const [mantissa, exp = '0'] = v.toExponential(precision).split('e');
  return `${mantissa}${goExponent(Number(exp))}`;
}
