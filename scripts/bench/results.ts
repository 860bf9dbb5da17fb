// What a run measured: figures (one value per round, reported as their median) and the goals
// they are held to (ratios of medians, or absolute bounds), each met or missed by how much.
import { median } from './common.js';

export interface Figure {
  key: string;
  section: string;
  label: string;
  unit: string;
  /** Decimals to print. */
  digits: number;
  values: number[];
}

export interface Goal {
  section: string;
  name: string;
  /** Figure keys: the goal is on numerator / denominator, or on the numerator alone when no denominator. */
  numerator: string;
  denominator?: string;
  /** 'max': at most target (lower is better); 'min': at least target; 'below': strictly under target; 'info': a ratio shown for reference, no goal. */
  kind: 'max' | 'min' | 'below' | 'info';
  target: number;
  stretch?: number;
  unit: string;
}

export interface GoalOutcome {
  goal: Goal;
  value: number | undefined;
  met: boolean | undefined;
  stretchMet: boolean | undefined;
  text: string;
}

export class Results {
  readonly figures = new Map<string, Figure>();
  readonly notes: string[] = [];

  add(key: string, section: string, label: string, unit: string, value: number, digits = 0): void {
    let figure = this.figures.get(key);
    if (!figure) {
      figure = { key, section, label, unit, digits, values: [] };
      this.figures.set(key, figure);
    }
    figure.values.push(value);
  }

  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  median(key: string): number | undefined {
    const figure = this.figures.get(key);
    return figure && figure.values.length ? median(figure.values) : undefined;
  }

  evaluate(goal: Goal): GoalOutcome {
    const numerator = this.median(goal.numerator);
    const denominator = goal.denominator ? this.median(goal.denominator) : 1;
    if (numerator === undefined || denominator === undefined || !Number.isFinite(numerator / denominator)) {
      return { goal, value: undefined, met: undefined, stretchMet: undefined, text: 'not measured' };
    }
    const value = numerator / denominator;
    if (goal.kind === 'info') return { goal, value, met: undefined, stretchMet: undefined, text: 'for reference, no goal' };
    const holds = (target: number) =>
      goal.kind === 'max' ? value <= target : goal.kind === 'below' ? value < target : value >= target;
    const met = holds(goal.target);
    const stretchMet = goal.stretch === undefined ? undefined : holds(goal.stretch);
    // How far from the bound, as a share of the bound.
    const margin = goal.kind === 'min' ? value / goal.target - 1 : 1 - value / goal.target;
    const pct = `${Math.abs(margin * 100).toFixed(0)}%`;
    const side = margin >= 0 === (goal.kind === 'min') ? 'over' : 'under';
    let text = met ? `met (${pct} ${side} the bound)` : `MISSED (${pct} ${side} the bound)`;
    if (goal.stretch !== undefined) text += stretchMet ? '; stretch met' : `; stretch (${bound(goal, goal.stretch)}) missed`;
    return { goal, value, met, stretchMet, text };
  }
}

export function bound(goal: Goal, target: number): string {
  if (goal.kind === 'info') return '-';
  const op = goal.kind === 'max' ? '<=' : goal.kind === 'below' ? '<' : '>=';
  return `${op} ${target}${goal.unit}`;
}

export function formatValue(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
