export const FEATURES = { eagerPlans: 'eager-plans-v1' } as const satisfies Record<string, string>;
// in a step: if (context.features.eagerPlans) { … } else { … the baseline … }
