/** A trivial activity used by the smoke workflow that proves a worker and a server talk to each other. */
export function createSmokeActivities() {
  return {
    async echo(message: string): Promise<string> {
      return `echo: ${message}`;
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
