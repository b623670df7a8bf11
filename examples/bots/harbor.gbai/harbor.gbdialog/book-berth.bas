' Books a berth for a visiting vessel.
PARAM vessel AS STRING LIKE "Sea Breeze" DESCRIPTION "Name of the vessel"
PARAM length AS NUMBER LIKE 12.5 DESCRIPTION "Length overall in metres"
PARAM arrival AS DATE LIKE "2026-12-01" DESCRIPTION "Arrival date"
PARAM contact AS EMAIL LIKE "skipper@example.org" DESCRIPTION "Skipper's e-mail" OPTIONAL
PARAM power AS STRING ENUM ["none", "16A", "32A"] DESCRIPTION "Shore power needed" OPTIONAL

DESCRIPTION "Book a berth in the harbor for a vessel on a given date"

id = "BRT-" + FORMAT(NOW(), "yyyyMMddHHmmss")
SAVE "bookings.csv", id, vessel, length, arrival, contact, power

TALK "Berth booked for " + vessel + " arriving " + arrival + ". Reference: " + id
RETURN id
