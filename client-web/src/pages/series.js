// The chart's series, shared by the room page (which draws them and selects one) and the replay
// page (which shows a replayed room's selection).

export const SERIES = [
  { id: 'temperature', label: 'Temperature', colour: '#e4572e', f: (t) => 0.55 + 0.25 * Math.sin(t / 9) + 0.05 * Math.sin(t / 1.7) },
  { id: 'pressure', label: 'Pressure', colour: '#2563eb', f: (t) => 0.35 + 0.2 * Math.cos(t / 14) + 0.04 * Math.sin(t / 2.3) },
  { id: 'flow', label: 'Flow', colour: '#17a673', f: (t) => 0.7 - 0.3 * Math.abs(Math.sin(t / 20)) + 0.03 * Math.cos(t / 1.3) },
  { id: 'vibration', label: 'Vibration', colour: '#9b51e0', f: (t) => 0.2 + 0.12 * Math.sin(t / 3) * Math.cos(t / 11) + 0.1 * (t / 100) },
];
