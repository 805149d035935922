/** `1 step`, `2 steps`: a count with its noun, singular for one (a noun whose plural is not `-s` passes it). */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
