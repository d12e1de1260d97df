/**
 * The one catalogue of coded errors and safety interventions. Every event the supervisor, the engine, the device
 * layer or the CLI reports carries one of these codes and a human reason. Codes are stable: records and FHIR
 * exports refer to them.
 */
export const catalogue = {
  // Supervisor interventions (they only lower or stop the output)
  ION_ERR_OVERCURRENT: { severity: 'fault', title: 'Measured current above the active limit' },
  ION_ERR_HARD_LIMIT: { severity: 'fault', title: 'Hard current limit reached' },
  ION_ERR_HW_TRIP: { severity: 'fault', title: 'Device hardware over-current trip' },
  ION_ERR_MAX_CURRENT: { severity: 'limit', title: 'Current held at the hard, device or protocol maximum' },
  ION_ERR_DENSITY_LIMIT: { severity: 'limit', title: 'Current density limit for the contact area' },
  ION_ERR_COMPLIANCE: { severity: 'warning', title: 'Set point unreachable at the compliance voltage' },
  ION_ERR_DIDT: { severity: 'limit', title: 'Current change faster than the comfort limit' },
  ION_ERR_SHORT_CIRCUIT: { severity: 'fault', title: 'Load impedance below the short-circuit threshold' },
  ION_ERR_OPEN_CIRCUIT: { severity: 'pause', title: 'Load impedance above the open-circuit threshold' },
  ION_ERR_MISMATCH: { severity: 'fault', title: 'Measured current does not follow the command' },
  ION_ERR_POLARITY_MISMATCH: { severity: 'fault', title: 'Device polarity does not follow the command' },
  ION_ERR_STALE_TELEMETRY: { severity: 'fault', title: 'Telemetry missing or stale' },
  ION_ERR_DOSE_REACHED: { severity: 'info', title: 'Prescribed dose reached' },
  ION_ERR_DURATION_CAP: { severity: 'info', title: 'Session duration cap reached' },
  ION_ERR_LEASE_EXPIRED: { severity: 'fault', title: 'Device lease expired without renewal' },
  ION_ERR_SENSOR_IMPLAUSIBLE: { severity: 'fault', title: 'Current or voltage reading implausible' },
  ION_ERR_VOLTAGE_LIMIT: { severity: 'fault', title: 'Measured voltage above the compliance limit' },
  ION_ERR_DEVICE_VERSION: { severity: 'error', title: 'Device speaks an unsupported line-protocol version' },
  ION_ERR_DEVICE_TIMEOUT: { severity: 'fault', title: 'Device did not answer within its timeout' },
  ION_ERR_DEVICE_LINK: { severity: 'fault', title: 'Serial link to the device lost; output off until re-armed' },
  ION_ERR_POLARITY_UNDER_CURRENT: { severity: 'limit', title: 'Polarity change refused while current flows' },
  // Engine events
  ION_EVT_PRECHECK_OK: { severity: 'info', title: 'Load measured with the probe current' },
  ION_ERR_PRECHECK_LOAD: { severity: 'fault', title: 'Load out of the plausible window at precheck' },
  ION_EVT_CONTACT: { severity: 'info', title: 'Circuit closed; contact detected' },
  ION_EVT_RAMP_UP: { severity: 'info', title: 'Soft start' },
  ION_EVT_TREAT: { severity: 'info', title: 'Target current reached' },
  ION_EVT_PAUSE: { severity: 'pause', title: 'Paused' },
  ION_EVT_RESUME: { severity: 'info', title: 'Resumed with a soft start' },
  ION_EVT_LINK_LOST: { severity: 'pause', title: "Device link lost; output left to the device's lease" },
  ION_EVT_LINK_BACK: { severity: 'info', title: 'Device link back and re-armed; output from zero' },
  ION_EVT_REVERSAL: { severity: 'info', title: 'Polarity reversal' },
  ION_EVT_RAMP_DOWN: { severity: 'info', title: 'Ramp-down' },
  ION_EVT_COMPLETE: { severity: 'info', title: 'Session complete' },
  ION_EVT_ABORT: { severity: 'info', title: 'Session stopped by the user' },
  ION_ERR_CONTACT_TIMEOUT: { severity: 'warning', title: 'No contact within the allowed time' },
  ION_ERR_PAUSE_TIMEOUT: { severity: 'warning', title: 'Paused for longer than allowed' },
  ION_ERR_INVALID_PLAN: { severity: 'fault', title: 'Session plan invalid' },
  // Input and usage errors
  ION_ERR_USAGE: { severity: 'error', title: 'Invalid command-line usage' },
  ION_ERR_UNKNOWN_PROTOCOL: { severity: 'error', title: 'Unknown protocol' },
  ION_ERR_UNKNOWN_ZONE: { severity: 'error', title: 'Unknown zone for this protocol' },
  ION_ERR_OUT_OF_RANGE: { severity: 'error', title: 'Value out of the allowed range' },
  ION_ERR_SCENARIO: { severity: 'error', title: 'Malformed scenario file' },
  ION_ERR_PROTOCOL_INVALID: { severity: 'error', title: 'Protocol document invalid' },
  ION_ERR_CONTRAINDICATED: { severity: 'error', title: 'Treatment refused by contraindication screening' },
  ION_ERR_ANSWERS_INVALID: { severity: 'error', title: 'Screening answers invalid' },
  ION_ERR_SWEAT_TEST_STATE: { severity: 'error', title: "Step not possible in the sweat test's current state" },
  ION_ERR_SWEAT_QNS: { severity: 'error', title: 'QNS sweat sample: not analysed and never pooled; repeat' },
  ION_ERR_SWEAT_STIMULATION: { severity: 'error', title: 'Session cannot serve as this sweat-test stimulation' },
  ION_ERR_FREQUENCY_CAP: { severity: 'error', title: 'Session refused: it would break the course frequency caps' },
  // Storage
  ION_ERR_NOT_FOUND: { severity: 'error', title: 'Record not found' },
  ION_ERR_CONFLICT: { severity: 'error', title: 'Record changed since it was read (stale version)' },
  ION_ERR_DUPLICATE: { severity: 'error', title: 'A record with this unique value exists already' },
  ION_ERR_INVALID_TIME_ZONE: { severity: 'error', title: 'Not an IANA time zone' },
  ION_ERR_INVALID_INSTANT: { severity: 'error', title: 'Not a valid instant' },
  // Server (HTTP API)
  ION_ERR_UNAUTHENTICATED: { severity: 'error', title: 'Sign-in required or credentials refused' },
  ION_ERR_FORBIDDEN: { severity: 'error', title: 'Not allowed for this role' },
  ION_ERR_CSRF: { severity: 'error', title: 'Missing or wrong CSRF token' },
  ION_ERR_RATE_LIMITED: { severity: 'error', title: 'Too many requests; try again later' },
  ION_ERR_VALIDATION: { severity: 'error', title: 'Request invalid' },
  ION_ERR_PRECONDITION_REQUIRED: { severity: 'error', title: 'If-Match header required' },
  ION_ERR_PRECONDITION: { severity: 'error', title: 'If-Match does not match the current version' },
  ION_ERR_UNAVAILABLE: { severity: 'error', title: 'Database unreachable' },
  ION_ERR_PORT_IN_USE: { severity: 'error', title: 'Network port already in use or not allowed' },
  ION_ERR_INTERNAL: { severity: 'error', title: 'Internal server error' },
} as const;

export type ErrorCode = keyof typeof catalogue;
export type Severity = (typeof catalogue)[ErrorCode]['severity'];

export const severityOf = (code: ErrorCode): Severity => catalogue[code].severity;

/** An error that carries a catalogue code; thrown for bad input, never for a safety intervention (those are events). */
export class IontoError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'IontoError';
    this.code = code;
    this.details = details;
  }
}

export const isIontoError = (e: unknown): e is IontoError => e instanceof IontoError;
