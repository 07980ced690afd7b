// Parse an iCalendar feed with Mozilla's ical.js (the parser inside Thunderbird) and expand it.
//
//   node expand.mjs <window-start-unix> <window-end-unix> < calendar.ics
//
// Prints JSON: the calendar's properties and every instance that overlaps the window, with its
// wall-clock times in the event's own zone and its UTC instant as computed by ical.js from the
// VTIMEZONE inside the file (the zone is registered from the feed, not from a built-in table).
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [windowStart, windowEnd] = process.argv.slice(2).map(Number);
const text = readFileSync(0, "utf8");
const root = new ICAL.Component(ICAL.parse(text));

ICAL.TimezoneService.reset();
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtz);
}

const calendar = {};
for (const p of root.getAllProperties()) {
  calendar[p.name] = p.toICALString().slice(p.name.length).replace(/^[^:]*:/, "");
}

const masters = new Map();
const exceptions = [];
for (const comp of root.getAllSubcomponents("vevent")) {
  // Without explicit options ical.js relates every RECURRENCE-ID component of the calendar to
  // each event, whatever its UID (a shortcut for one-event files). Relate them by UID, as
  // Thunderbird does.
  const event = new ICAL.Event(comp, { strictExceptions: true, exceptions: [] });
  if (event.isRecurrenceException()) exceptions.push(event);
  else masters.set(event.uid, event);
}
for (const ex of exceptions) {
  const master = masters.get(ex.uid);
  if (!master) throw new Error(`override without its series: ${ex.uid}`);
  master.relateException(ex);
}

const wall = (t) => (t.isDate ? t.toString() : t.toString().slice(0, 19));
const describe = (item, start, end, rid) => ({
  uid: item.uid,
  recurrence_id: rid,
  start: wall(start),
  end: wall(end),
  all_day: start.isDate,
  tzid: start.isDate ? null : start.zone.tzid,
  start_unix: start.isDate ? null : start.toUnixTime(),
  end_unix: end.isDate ? null : end.toUnixTime(),
  status: item.component.getFirstPropertyValue("status"),
  summary: item.summary,
  description: item.description,
  location: item.location,
  categories: item.component.getAllProperties("categories").flatMap((p) => p.getValues()),
  url: item.component.getFirstPropertyValue("url"),
  image: item.component.getFirstPropertyValue("image"),
  image_display: item.component.getFirstProperty("image")?.getParameter("display") ?? null,
  sequence: item.sequence,
});

const startUnix = (t) => (t.isDate ? Date.UTC(t.year, t.month - 1, t.day) / 1000 - 3600 : t.toUnixTime());
const overlaps = (s, e) => startUnix(e) > windowStart && startUnix(s) < windowEnd;
const instances = [];
const margin = 400 * 86400; // moved occurrences may lie away from their slot
for (const event of masters.values()) {
  if (!event.isRecurring()) {
    if (overlaps(event.startDate, event.endDate)) {
      instances.push(describe(event, event.startDate, event.endDate, null));
    }
    continue;
  }
  const it = event.iterator();
  for (let next = it.next(); next; next = it.next()) {
    if (startUnix(next) >= windowEnd + margin) break;
    const d = event.getOccurrenceDetails(next);
    if (overlaps(d.startDate, d.endDate)) {
      instances.push(describe(d.item, d.startDate, d.endDate, wall(d.recurrenceId)));
    }
  }
}
instances.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.uid < b.uid ? -1 : 1));
process.stdout.write(JSON.stringify({ calendar, instances }));
