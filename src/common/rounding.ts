/** Figures shown to people (admin metrics, health details) keep one or two decimals. */
export const round1 = (value: number): number => Math.round(value * 10) / 10;
export const round2 = (value: number): number => Math.round(value * 100) / 100;
