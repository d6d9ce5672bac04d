// English texts of <jsongle-connection>.
export const connection = {
  'connection.idle': 'Not connected',
  'connection.connecting': 'Connecting…',
  'connection.open': 'Connected',
  'connection.reconnecting': 'Reconnecting…',
  'connection.closed': 'Offline',
  'connection.unauthorized': 'Not authorized',
} as const;
