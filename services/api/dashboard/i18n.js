// @ts-check
// The dashboard's words in Vietnamese (default) and English. Pure: no DOM.
// `?lang=vi|en` picks the language; `{name}` in a text is replaced by the parameter of that name.

export const LANGUAGES = /** @type {const} */ (['vi', 'en']);
export const DEFAULT_LANGUAGE = 'vi';

/** @typedef {'vi' | 'en'} Language */

/** @type {Record<Language, Record<string, string>>} */
export const DICTIONARIES = {
  vi: {
    'page.title': 'roadpulse — tình trạng giao thông',
    'page.subtitle': 'ùn tắc theo đoạn đường, trực tiếp',
    'window.label': 'Khoảng tổng hợp',
    'window.1m': '1 phút',
    'window.5m': '5 phút',
    'window.15m': '15 phút',
    'window.1h': '1 giờ',
    'live.live': 'trực tiếp',
    'live.connecting': 'đang kết nối…',
    'live.reconnecting': 'đang kết nối lại…',
    'live.offline': 'mất kết nối',
    'live.keyNeeded': 'cần khóa API',
    'live.title': 'Luồng dữ liệu trực tiếp',
    updated: 'cập nhật {time}',
    'timezone.label': 'Giờ {zone} ({offset})',
    'language.other': 'English',
    'key.button': 'Khóa API',
    'key.prompt': 'Máy chủ này cần khóa API:',
    'key.use': 'Dùng khóa',
    'key.forget': 'Xóa khóa',
    'error.api': 'Không kết nối được với API của roadpulse: {message}',
    'error.ack': 'Không xác nhận được cảnh báo: {message}',
    'map.label': 'Bản đồ mạng lưới đường',
    'map.description': 'Các đoạn đường tô màu theo mức phục vụ',
    'legend.A': 'A — thông thoáng',
    'legend.F': 'F — ùn tắc nghiêm trọng',
    'legend.none': 'không có dữ liệu',
    'los.title': 'Mức phục vụ',
    'los.level': 'Mức {level}',
    'summary.title': 'Tổng quan thành phố',
    'summary.window': '· {window} đến',
    'summary.mean': 'ùn tắc trung bình (theo chiều dài)',
    'summary.withData': 'đoạn có dữ liệu',
    'summary.noData': 'không dữ liệu',
    'summary.noLos': 'chưa rõ mức',
    'top.title': 'Ùn tắc nhất',
    'top.empty': 'Không có đoạn nào có dữ liệu trong khoảng này',
    'segment.title': 'Đoạn đường',
    'segment.los': 'Mức phục vụ',
    'segment.congestion': 'Mức ùn tắc',
    'segment.speed': 'Tốc độ',
    'segment.speedValue': '{speed} km/h (tự do {free})',
    'segment.tti': 'Chỉ số thời gian đi lại',
    'segment.jam': 'Hệ số ùn tắc',
    'segment.flow': 'Lưu lượng',
    'segment.flowValue': '{vph} xe/h · {pcu} PCU/h',
    'segment.density': 'Mật độ',
    'segment.densityValue': '{k} PCU/km/làn',
    'segment.occupancy': 'Độ chiếm dụng',
    'segment.sensors': 'Cảm biến',
    'segment.sensorsValue': '{reporting}/{known} đang gửi dữ liệu',
    'segment.lastReading': 'Số liệu cuối',
    'segment.window': 'Khoảng',
    'segment.road': 'Đường',
    'segment.roadValue': '{kind}, {lanes} làn, {length} m',
    'segment.noData': 'không có dữ liệu',
    'segment.unknown': 'chưa rõ',
    'kind.urban': 'đô thị',
    'kind.highway': 'đường cao tốc',
    'direction.northbound': 'hướng bắc',
    'direction.southbound': 'hướng nam',
    'direction.eastbound': 'hướng đông',
    'direction.westbound': 'hướng tây',
    'alerts.title': 'Cảnh báo',
    'alerts.activeCount': '{count} đang diễn ra',
    'alerts.none': 'Không có cảnh báo nào',
    'alerts.ack': 'Xác nhận',
    'alerts.acked': 'Đã xác nhận lúc {time}',
    'alerts.ackedBy': 'Đã xác nhận lúc {time} ({by})',
    'alerts.raised': 'Từ',
    'alerts.cleared': 'Đã hết lúc',
    'alerts.peak': 'đỉnh: mức {los}',
    'alerts.peakPct': 'đỉnh: mức {los}, ùn tắc {pct} %',
    'health.title': 'Tình trạng cảm biến',
    'health.worst': 'Cần kiểm tra',
    'health.allOk': 'Mọi cảm biến đều hoạt động tốt',
    'health.since': 'từ',
    'health.state.online': 'Hoạt động',
    'health.state.offline': 'Ngoại tuyến',
    'health.state.stale': 'Ngừng gửi',
    'health.state.stuck': 'Kẹt số liệu',
    'health.state.implausible': 'Số liệu vô lý',
    'health.state.gappy': 'Mất bản tin',
    'health.state.duplicating': 'Trùng lặp',
    'chart.title': '{hours} giờ qua, mỗi {bucket}',
    'chart.time': 'Thời điểm',
    'chart.speed': 'Tốc độ (km/h)',
    'chart.pcu': 'Lưu lượng (PCU/h)',
    'chart.los': 'Mức phục vụ',
    'chart.loading': 'Đang tải…',
    'chart.empty': 'Không có số liệu trong khoảng này',
    'chart.close': 'Đóng',
    unavailable: '—',
  },
  en: {
    'page.title': 'roadpulse — congestion',
    'page.subtitle': 'live congestion by road segment',
    'window.label': 'Aggregation window',
    'window.1m': '1 min',
    'window.5m': '5 min',
    'window.15m': '15 min',
    'window.1h': '1 h',
    'live.live': 'live',
    'live.connecting': 'connecting…',
    'live.reconnecting': 'reconnecting…',
    'live.offline': 'offline',
    'live.keyNeeded': 'API key needed',
    'live.title': 'Live stream of congestion records and alerts',
    updated: 'updated {time}',
    'timezone.label': 'Times in {zone} ({offset})',
    'language.other': 'Tiếng Việt',
    'key.button': 'API key',
    'key.prompt': 'This server needs an API key:',
    'key.use': 'Use key',
    'key.forget': 'Forget key',
    'error.api': 'Cannot reach the roadpulse API: {message}',
    'error.ack': 'Could not acknowledge the alert: {message}',
    'map.label': 'Road network map',
    'map.description': 'Road segments coloured by level of service',
    'legend.A': 'A — free flow',
    'legend.F': 'F — jammed',
    'legend.none': 'no data',
    'los.title': 'Level of service',
    'los.level': 'LOS {level}',
    'summary.title': 'City summary',
    'summary.window': '· {window} window to',
    'summary.mean': 'mean congestion (length-weighted)',
    'summary.withData': 'segments with data',
    'summary.noData': 'no data',
    'summary.noLos': 'no LOS',
    'top.title': 'Most congested',
    'top.empty': 'No segment with data in this window',
    'segment.title': 'Segment',
    'segment.los': 'Level of service',
    'segment.congestion': 'Congestion',
    'segment.speed': 'Speed',
    'segment.speedValue': '{speed} km/h (free flow {free})',
    'segment.tti': 'Travel-time index',
    'segment.jam': 'Jam factor',
    'segment.flow': 'Flow',
    'segment.flowValue': '{vph} veh/h · {pcu} pcu/h',
    'segment.density': 'Density',
    'segment.densityValue': '{k} pcu/km/lane',
    'segment.occupancy': 'Occupancy',
    'segment.sensors': 'Sensors',
    'segment.sensorsValue': '{reporting} of {known} reporting',
    'segment.lastReading': 'Last reading',
    'segment.window': 'Window',
    'segment.road': 'Road',
    'segment.roadValue': '{kind}, {lanes} lanes, {length} m',
    'segment.noData': 'no data',
    'segment.unknown': 'unknown',
    'kind.urban': 'urban',
    'kind.highway': 'highway',
    'direction.northbound': 'northbound',
    'direction.southbound': 'southbound',
    'direction.eastbound': 'eastbound',
    'direction.westbound': 'westbound',
    'alerts.title': 'Alerts',
    'alerts.activeCount': '{count} active',
    'alerts.none': 'No alerts',
    'alerts.ack': 'Acknowledge',
    'alerts.acked': 'Acknowledged at {time}',
    'alerts.ackedBy': 'Acknowledged at {time} ({by})',
    'alerts.raised': 'Since',
    'alerts.cleared': 'Cleared at',
    'alerts.peak': 'peak: LOS {los}',
    'alerts.peakPct': 'peak: LOS {los}, {pct} % congestion',
    'health.title': 'Sensor health',
    'health.worst': 'To check',
    'health.allOk': 'All sensors healthy',
    'health.since': 'since',
    'health.state.online': 'Online',
    'health.state.offline': 'Offline',
    'health.state.stale': 'Stale',
    'health.state.stuck': 'Stuck',
    'health.state.implausible': 'Implausible',
    'health.state.gappy': 'Gappy',
    'health.state.duplicating': 'Duplicating',
    'chart.title': 'Last {hours} hours, per {bucket}',
    'chart.time': 'Time',
    'chart.speed': 'Speed (km/h)',
    'chart.pcu': 'PCU flow (pcu/h)',
    'chart.los': 'LOS',
    'chart.loading': 'Loading…',
    'chart.empty': 'No data in this range',
    'chart.close': 'Close',
    unavailable: '—',
  },
};

/** BCP 47 locale for numbers in each language. */
const LOCALES = /** @type {Record<Language, string>} */ ({ vi: 'vi-VN', en: 'en-GB' });

/**
 * The language asked for by `?lang=` in a query string, else the default.
 * @param {string} search  e.g. location.search
 * @returns {Language}
 */
export function pickLanguage(search) {
  const asked = new URLSearchParams(search).get('lang')?.trim().toLowerCase();
  return asked === 'vi' || asked === 'en' ? asked : DEFAULT_LANGUAGE;
}

/**
 * @param {Language} lang
 * @returns {string}
 */
export function localeOf(lang) {
  return LOCALES[lang];
}

/**
 * A translate function for one language: t('alerts.raised', { time: '08:15' }). A key missing in
 * that language falls back to English, then to the key itself, so a gap shows rather than breaks.
 * @param {Language} lang
 * @returns {(key: string, params?: Record<string, string | number>) => string}
 */
export function translator(lang) {
  const words = DICTIONARIES[lang];
  return (key, params = {}) => {
    const text = words[key] ?? DICTIONARIES.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
  };
}
