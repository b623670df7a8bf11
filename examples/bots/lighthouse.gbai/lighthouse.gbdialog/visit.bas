PARAM name AS STRING DESCRIPTION "Visitor's name"
PARAM people AS INTEGER LIKE 2 DESCRIPTION "Number of people in the group"
PARAM day AS DATE DESCRIPTION "Day of the visit" OPTIONAL
DESCRIPTION "Register a guided visit of the lighthouse"

SET SCHEDULE "0 8 * * 1"
SAVE "visits.csv", name, people, day
TALK "See you soon, " + name + "!"
