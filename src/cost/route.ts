// `GET /cost` for `modelgate serve`: the cost page with the served model's own figures, measured once,
// on the first request for the page (a failed measurement is not kept: the next request tries again).
// The calculator, the page and the measurement are imported then too, so a server's start does not
// load them.
import type { CoreResponse } from '../api/core.js';
import type { Predictor } from '../runtime/predictor.js';

export function costPageRoute(): (predictor: Predictor) => Promise<CoreResponse> {
  let measuredFor: Predictor | undefined;
  let page: Promise<CoreResponse> | undefined;
  return (predictor) => {
    if (page === undefined || measuredFor !== predictor) {
      measuredFor = predictor;
      page = renderFor(predictor).catch((err: unknown) => {
        page = undefined;
        throw err;
      });
    }
    return page;
  };
}

async function renderFor(predictor: Predictor): Promise<CoreResponse> {
  const [{ measureModel }, { costPage }] = await Promise.all([import('./measure.js'), import('./page.js')]);
  const { runs, ...figures } = await measureModel(predictor);
  const { html, policy } = costPage({
    models: [figures],
    origin: `Measured by modelgate serve when this page was first asked for: the median of ${runs} warm single-row predictions through the Lambda handler, on this machine at the full speed of a core (below 1,769 MB Lambda gives a smaller share of one), and this server process's peak resident memory.`,
  });
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy,
      'cache-control': 'no-store',
    },
    body: html,
  };
}
