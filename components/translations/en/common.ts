// English texts every element may show.
export const common = {
  'error.no-client': 'Not connected to a JSONgle client.',
  'error.generic': 'Something went wrong: {message}',
} as const;
