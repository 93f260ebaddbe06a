import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkDigit, hasValidCheckDigit, makeProtocol, parseProtocol } from "./protocol.ts";

// A deterministic sample of protocol numbers: small, large, and pseudo-random serials across years.
function sample(): string[] {
  const out: string[] = [];
  let seed = 156311;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 1; i <= 200; i++) out.push(makeProtocol(2019 + (i % 10), i));
  for (let i = 0; i < 1800; i++) out.push(makeProtocol(2000 + (next() % 100), 1 + (next() % 99_999_999)));
  out.push(makeProtocol(2026, 99_999_999), makeProtocol(2026, 123_456_789_012));
  return out;
}

describe("protocol numbers", () => {
  it("are digits only: year, an 8-digit serial and a check digit", () => {
    assert.equal(makeProtocol(2026, 1234).length, 13);
    assert.match(makeProtocol(2026, 1234), /^2026000012340?\d$/);
    assert.ok(hasValidCheckDigit(makeProtocol(2026, 1234)));
  });

  it("detects every single-digit error, exhaustively over a sample", () => {
    let checked = 0;
    for (const protocol of sample()) {
      for (let pos = 0; pos < protocol.length; pos++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === protocol[pos]) continue;
          const wrong = protocol.slice(0, pos) + d + protocol.slice(pos + 1);
          assert.equal(hasValidCheckDigit(wrong), false, `${protocol} → ${wrong}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 200_000);
  });

  it("detects every adjacent transposition, exhaustively over a sample", () => {
    let checked = 0;
    for (const protocol of sample()) {
      for (let pos = 0; pos + 1 < protocol.length; pos++) {
        if (protocol[pos] === protocol[pos + 1]) continue;
        const swapped = protocol.slice(0, pos) + protocol[pos + 1] + protocol[pos] + protocol.slice(pos + 2);
        assert.equal(hasValidCheckDigit(swapped), false, `${protocol} → ${swapped}`);
        checked++;
      }
    }
    assert.ok(checked > 10_000);
  });

  it("detects every adjacent transposition of any two digits in any position context", () => {
    // The quasigroup property itself: for every interim value c and digits x ≠ y, (c*x)*y ≠ (c*y)*x.
    for (let c = 0; c <= 9; c++) {
      for (let x = 0; x <= 9; x++) {
        for (let y = 0; y <= 9; y++) {
          if (x === y) continue;
          // Find a prefix whose interim is c, then compare the two orders.
          const prefix = [...Array(10).keys()].map(String).find((p) => checkDigit(p) === c);
          if (prefix === undefined) continue;
          assert.notEqual(checkDigit(`${prefix}${x}${y}`), checkDigit(`${prefix}${y}${x}`));
        }
      }
    }
  });

  it("reads a typed number with separators and refuses a wrong check digit with the reason", () => {
    const protocol = makeProtocol(2026, 42);
    const typed = `${protocol.slice(0, 4)}.${protocol.slice(4, 12)}-${protocol.slice(12)}`;
    assert.deepEqual(parseProtocol(typed), { ok: true, protocol, year: 2026, serial: 42 });
    const wrongDigit = (Number(protocol.at(-1)) + 1) % 10;
    assert.deepEqual(parseProtocol(protocol.slice(0, -1) + wrongDigit), {
      ok: false,
      problem: "bad_check_digit",
    });
    assert.deepEqual(parseProtocol("abc"), { ok: false, problem: "bad_format" });
    assert.deepEqual(parseProtocol("2026123"), { ok: false, problem: "bad_format" });
  });

  it("refuses years and serials out of range", () => {
    assert.throws(() => makeProtocol(26, 1), RangeError);
    assert.throws(() => makeProtocol(2026, 0), RangeError);
  });
});
