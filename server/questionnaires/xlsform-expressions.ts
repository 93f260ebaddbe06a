/**
 * The subset of XLSForm's XPath expressions the import understands (docs/questionnaires.md): `relevant` becomes a
 * Condition, `constraint` a Constraint. Anything outside the subset is an error naming the text, never dropped.
 */
import type { Condition, Constraint, Question } from "../../domain/questionnaire.ts";

type Token =
  | { kind: "ref"; name: string }
  | { kind: "str"; value: string }
  | { kind: "num"; value: number }
  | { kind: "word"; value: string }
  | { kind: "op"; value: "=" | "!=" | "<" | "<=" | ">" | ">=" }
  | { kind: "punct"; value: "(" | ")" | "," | "." };

/** An expression outside the subset: the reason, for the import's problem. */
export class ExpressionError extends Error {}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re =
    /\s*(?:\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}|'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d+)?)(?![\w.])|(!=|<=|>=|=|<|>)|([(),.])|([A-Za-z][A-Za-z0-9_-]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new ExpressionError(`cannot read "${text.slice(at).trim()}"`);
    at = re.lastIndex;
    if (m[1] !== undefined) out.push({ kind: "ref", name: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ kind: "str", value: m[2] ?? m[3] ?? "" });
    else if (m[4] !== undefined) out.push({ kind: "num", value: Number(m[4]) });
    else if (m[5] !== undefined) out.push({ kind: "op", value: m[5] as "=" });
    else if (m[6] !== undefined) out.push({ kind: "punct", value: m[6] as "(" });
    else out.push({ kind: "word", value: (m[7] ?? "").toLowerCase() });
  }
  return out;
}

/** How the import names questions: the XLSForm name → the question built from its row (earlier rows only). */
export type EarlierQuestions = (
  xlsName: string,
) => { question: Question; booleans?: Map<string, boolean> } | undefined;

const OPS = { "=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge" } as const;

/** Reads a `relevant` expression into a Condition on earlier questions. */
export function readRelevant(text: string, earlier: EarlierQuestions): Condition {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (!t) throw new ExpressionError("the expression ends too early");
    return t;
  };
  const expect = (value: string) => {
    const t = next();
    if (!("value" in t) || t.value !== value) throw new ExpressionError(`expected "${value}"`);
  };
  const isWord = (t: Token | undefined, w: string) => t?.kind === "word" && t.value === w;
  const refOf = (t: Token) => {
    if (t.kind !== "ref") throw new ExpressionError("expected a question reference");
    const found = earlier(t.name);
    if (!found) throw new ExpressionError(`\${${t.name}} is not an earlier question`);
    return found;
  };
  const literal = (t: Token): string | number => {
    if (t.kind === "str" || t.kind === "num") return t.value;
    throw new ExpressionError("expected a value ('text' or a number)");
  };

  const compare = (ref: ReturnType<typeof refOf>, op: keyof typeof OPS, raw: string | number): Condition => {
    const { question: q, booleans } = ref;
    const name = q.name;
    if (raw === "" && (op === "=" || op === "!="))
      return { question: name, op: op === "=" ? "not_answered" : "answered" };
    if (q.type === "yes_no" && (op === "=" || op === "!=")) {
      const value = booleans?.get(String(raw).toLowerCase());
      if (value === undefined) throw new ExpressionError(`'${raw}' is not a choice of \${${name}}`);
      return { question: name, op: OPS[op], value };
    }
    if (q.type === "number" || q.type === "scale") {
      const value = typeof raw === "number" ? raw : Number(raw);
      if (raw === "" || !Number.isFinite(value)) throw new ExpressionError(`'${raw}' is not a number`);
      return { question: name, op: OPS[op], value };
    }
    if (op !== "=" && op !== "!=") throw new ExpressionError(`${op} needs a number question`);
    if (q.type === "single_choice" || q.type === "text")
      return { question: name, op: OPS[op], value: String(raw) };
    throw new ExpressionError(`\${${name}} cannot be compared with ${op}: use selected()`);
  };

  const primary = (): Condition => {
    const t = next();
    if (t.kind === "punct" && t.value === "(") {
      const inner = orExpr();
      expect(")");
      return inner;
    }
    if (t.kind === "word" && t.value === "not") {
      expect("(");
      const inner = orExpr();
      expect(")");
      return { not: inner };
    }
    if (t.kind === "word" && t.value === "selected") {
      expect("(");
      const ref = refOf(next());
      expect(",");
      const value = String(literal(next()));
      expect(")");
      const q = ref.question;
      if (q.type === "yes_no") return compare(ref, "=", value);
      if (q.type === "scale") return compare(ref, "=", value);
      if (q.type !== "single_choice" && q.type !== "multiple_choice") {
        throw new ExpressionError(`selected() needs a select question, not \${${q.name}}`);
      }
      return { question: q.name, op: "selected", value };
    }
    if (t.kind === "ref") {
      const ref = refOf(t);
      const op = next();
      if (op.kind !== "op") throw new ExpressionError("expected =, !=, <, <=, > or >=");
      return compare(ref, op.value, literal(next()));
    }
    throw new ExpressionError(`"${"value" in t ? t.value : ""}" is not in the subset`);
  };
  const andExpr = (): Condition => {
    const items = [primary()];
    while (isWord(peek(), "and")) {
      i++;
      items.push(primary());
    }
    return items.length === 1 ? (items[0] as Condition) : { all: items };
  };
  const orExpr = (): Condition => {
    const items = [andExpr()];
    while (isWord(peek(), "or")) {
      i++;
      items.push(andExpr());
    }
    return items.length === 1 ? (items[0] as Condition) : { any: items };
  };
  const condition = orExpr();
  if (i < tokens.length) throw new ExpressionError("unexpected text after the expression");
  return condition;
}

/**
 * Reads a `constraint` expression into a Constraint for the question: `. >= n` joined by `and` (numbers),
 * `string-length(.) <= n` (text), `count-selected(.) <= n` / `>= n` (multiple choice).
 */
export function readConstraint(
  text: string,
  question: Question,
): { constraint: Constraint; inclusive: boolean } {
  const out: Constraint = {};
  let inclusive = false;
  const terms = text.split(/\s+and\s+/i);
  for (const term of terms) {
    const tokens = tokenize(term);
    const [a, b, c, d, e, f] = tokens;
    let subject: "value" | "length" | "count";
    let op: Token | undefined;
    let bound: Token | undefined;
    if (a?.kind === "punct" && a.value === "." && tokens.length === 3) {
      subject = "value";
      op = b;
      bound = c;
    } else if (
      a?.kind === "word" &&
      (a.value === "string-length" || a.value === "count-selected") &&
      b?.kind === "punct" &&
      b.value === "(" &&
      c?.kind === "punct" &&
      c.value === "." &&
      d?.kind === "punct" &&
      d.value === ")" &&
      tokens.length === 6
    ) {
      subject = a.value === "string-length" ? "length" : "count";
      op = e;
      bound = f;
    } else {
      throw new ExpressionError(`"${term.trim()}" is not in the subset`);
    }
    if (op?.kind !== "op" || op.value === "=" || op.value === "!=") {
      throw new ExpressionError(`"${term.trim()}" needs <, <=, > or >=`);
    }
    const n = bound?.kind === "num" ? bound.value : bound?.kind === "str" ? Number(bound.value) : Number.NaN;
    if (!Number.isFinite(n)) throw new ExpressionError(`"${term.trim()}" needs a number`);
    const upper = op.value === "<" || op.value === "<=";
    const strict = op.value === "<" || op.value === ">";
    const whole = subject !== "value" || question.constraint?.integer === true;
    // A strict bound on whole numbers is the next whole number; on decimals it is kept inclusive (reported).
    const limit = strict && whole ? n + (upper ? -1 : 1) : n;
    if (strict && !whole) inclusive = true;
    const fits =
      (subject === "value" && question.type === "number") ||
      (subject === "length" && question.type === "text" && upper) ||
      (subject === "count" && ["multiple_choice", "photo", "audio"].includes(question.type));
    if (!fits) throw new ExpressionError(`"${term.trim()}" does not fit a ${question.type} question`);
    if (subject === "length") out.maxLength = limit;
    else if (upper) out.max = limit;
    else out.min = limit;
  }
  return { constraint: out, inclusive };
}
