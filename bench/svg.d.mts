// Types for bench/svg.mjs, for the tests that check its charts.
export interface Series {
  name: string;
  values: number[];
  color?: string;
}

export function short(v: number): string;

export function barChart(options: {
  title: string;
  unit: string;
  groups: string[];
  series: Series[];
  log?: boolean;
  width?: number;
  height?: number;
}): string;
