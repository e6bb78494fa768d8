#!/usr/bin/env node
// Writes examples/passengers/passengers.csv: 800 invented passengers (not anyone's records), a table of
// the mixed kinds people deploy models on: an id, text categories (Sex, Embarked, some missing), a
// yes/no column, numbers with missing values, a date. Whether a passenger "survived" is drawn from a
// logistic function of sex, class, age and travelling alone, so a model has something to learn.
// Deterministic (a fixed seed): `node scripts/make-passengers.mjs` rewrites the same bytes.
import { writeFileSync } from 'node:fs';

let state = 20261201;
/** mulberry32: a small seeded generator, so the file is the same on every machine. */
function random() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items, weights) => {
  let u = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    u -= weights[i];
    if (u < 0) return items[i];
  }
  return items.at(-1);
};

const rows = ['PassengerId,Survived,Pclass,Sex,Age,Fare,Travels Alone,Embarked,Booked'];
for (let i = 0; i < 800; i++) {
  const pclass = pick([1, 2, 3], [0.25, 0.25, 0.5]);
  const sex = pick(['female', 'male'], [0.4, 0.6]);
  const age = Math.round(2 + random() * 70);
  const alone = random() < 0.55;
  const embarked = pick(['S', 'C', 'Q', ''], [0.68, 0.18, 0.1, 0.04]);
  const fare = (pclass === 1 ? 60 : pclass === 2 ? 20 : 8) * (0.6 + random());
  const logit =
    (sex === 'female' ? 2.2 : -0.8) -
    0.9 * (pclass - 1) -
    0.025 * (age - 30) -
    (alone ? 0.5 : 0) +
    (embarked === 'C' ? 0.4 : 0);
  const survived = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  const day = 1 + Math.floor(random() * 28);
  const month = 1 + Math.floor(random() * 4);
  const booked = `1912-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  rows.push(
    [
      1000 + i,
      survived,
      pclass,
      sex,
      random() < 0.15 ? '' : age,
      fare.toFixed(2),
      alone ? 'yes' : 'no',
      embarked,
      booked,
    ].join(','),
  );
}
writeFileSync(new URL('../examples/passengers/passengers.csv', import.meta.url), `${rows.join('\n')}\n`);
