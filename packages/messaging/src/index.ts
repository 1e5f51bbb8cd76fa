// Filled in by the work on issues 4 and 5.
export {};
