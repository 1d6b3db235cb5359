/*
 * The SCORM run-time data model of both versions (DESIGN §4): one table of
 * every element of SCORM 1.2 and SCORM 2004 4th edition, the validators of
 * their types, and the GetValue/SetValue semantics with each version's
 * error codes. cmi_model_json() exports the same table to www/js/cmi.js so
 * that the browser answers the SCO at once; the server checks every value
 * again here. Both follow tests/data/cmi-vectors.json. Pure code: no I/O.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assidu.h"

#define CMI_CAP		64000		/* characters any value may hold */
#define CMI_MAX_CS	1000000000000000LL /* longest duration, 317 years */
#define CMI_KEY_MAX	128

enum cmi_access {
	CMI_RO = 1,
	CMI_WO = 2,
	CMI_RW = 3
};

/* Element flags. */
#define CMI_F_UNIQUE	0x01	/* no two items of the collection share it */
#define CMI_F_ONCE	0x02	/* cannot change once set */
#define CMI_F_BLANK	0x04	/* "" is accepted too (1.2 CMIBlank) */
#define CMI_F_SESSION	0x08	/* one session's, not saved with the attempt */
#define CMI_F_EVAL	0x10	/* 2004: GetValue evaluates it */
#define CMI_F_BYTYPE	0x20	/* limit and uniqueness from the interaction */

enum cmi_type {
	CT_CHILDREN,
	CT_COUNT,
	CT_VERSION,
	CT_STRING,
	CT_LOCALIZED,
	CT_IDENTIFIER,
	CT_LONG_ID,
	CT_SHORT_ID,
	CT_DECIMAL,
	CT_REAL,
	CT_SINTEGER,
	CT_TIMESPAN,
	CT_TIME,
	CT_DURATION,
	CT_TIMESTAMP,
	CT_LANGUAGE,
	CT_VOCAB,
	CT_RESULT,
	CT_FEEDBACK,
	CT_PATTERN,
	CT_RESPONSE,
	CT_NAV_REQUEST,
	CT_UNIMPLEMENTED
};

/* Type names, as in the model JSON and the vectors. */
static const char *const cmi_type_names[] = {
	"_children", "_count", "_version", "string", "localized_string",
	"identifier", "long_identifier", "short_identifier", "decimal", "real",
	"sinteger", "timespan", "time", "duration", "timestamp", "language",
	"vocabulary", "result", "feedback", "pattern", "response",
	"nav_request", "unimplemented"
};

/*
 * One data-model element. The name has "n" for a collection index and
 * "{target=*}" for an adl.nav target. Vocabularies separate their tokens
 * with '|' (an empty token is ""); spm is the smallest permitted maximum in
 * characters, or the item limit of a _count; def is the value before any
 * SetValue (NULL: 2004 answers 403, 1.2 ""); dep must be set first.
 */
struct cmi_elem {
	int		 version;
	const char	*name;
	enum cmi_type	 type;
	enum cmi_access	 access;
	const char	*vocab;
	const char	*min;
	const char	*max;
	int		 spm;
	const char	*def;
	const char	*dep;
	int		 flags;
};

#define V12	SCORM_12
#define V04	SCORM_2004
#define STATUS12 "passed|completed|failed|incomplete|browsed"
#define ACTIONS "exit,message|exit,no message|continue,message|" \
	"continue,no message"
#define ITYPES12 "true-false|choice|fill-in|matching|performance|" \
	"sequencing|likert|numeric"
#define ITYPES04 "true-false|choice|fill-in|long-fill-in|likert|matching|" \
	"performance|sequencing|numeric|other"
#define COMPLETION "completed|incomplete|not attempted|unknown"
#define SUCCESS "passed|failed|unknown"
#define NAV_VALID "true|false|unknown"

static const struct cmi_elem cmi_elems[] = {
	/* SCORM 1.2 (RTE 3.4). */
	{ V12, "cmi._version", CT_VERSION, CMI_RO, .def = "3.4" },
	{ V12, "cmi.core._children", CT_CHILDREN, CMI_RO,
	    .def = "student_id,student_name,lesson_location,credit,"
	    "lesson_status,entry,score,total_time,lesson_mode,exit,"
	    "session_time" },
	{ V12, "cmi.core.student_id", CT_IDENTIFIER, CMI_RO, .spm = 255 },
	{ V12, "cmi.core.student_name", CT_STRING, CMI_RO, .spm = 255 },
	{ V12, "cmi.core.lesson_location", CT_STRING, CMI_RW, .spm = 255 },
	{ V12, "cmi.core.credit", CT_VOCAB, CMI_RO, .vocab = "credit|no-credit",
	    .def = "credit" },
	{ V12, "cmi.core.lesson_status", CT_VOCAB, CMI_RW, .vocab = STATUS12,
	    .def = "not attempted" },
	{ V12, "cmi.core.entry", CT_VOCAB, CMI_RO, .vocab = "ab-initio|resume|",
	    .def = "" },
	{ V12, "cmi.core.score._children", CT_CHILDREN, CMI_RO,
	    .def = "raw,min,max" },
	{ V12, "cmi.core.score.raw", CT_DECIMAL, CMI_RW, .min = "0",
	    .max = "100", .flags = CMI_F_BLANK },
	{ V12, "cmi.core.score.min", CT_DECIMAL, CMI_RW, .min = "0",
	    .max = "100", .flags = CMI_F_BLANK },
	{ V12, "cmi.core.score.max", CT_DECIMAL, CMI_RW, .min = "0",
	    .max = "100", .flags = CMI_F_BLANK },
	{ V12, "cmi.core.total_time", CT_TIMESPAN, CMI_RO,
	    .def = "0000:00:00.00" },
	{ V12, "cmi.core.lesson_mode", CT_VOCAB, CMI_RO,
	    .vocab = "browse|normal|review", .def = "normal" },
	{ V12, "cmi.core.exit", CT_VOCAB, CMI_WO,
	    .vocab = "time-out|suspend|logout|", .flags = CMI_F_SESSION },
	{ V12, "cmi.core.session_time", CT_TIMESPAN, CMI_WO,
	    .flags = CMI_F_SESSION },
	/* 4096 in the spec: authoring tools need the 2004 SPM. */
	{ V12, "cmi.suspend_data", CT_STRING, CMI_RW, .spm = 64000 },
	{ V12, "cmi.launch_data", CT_STRING, CMI_RO, .spm = 4096 },
	{ V12, "cmi.comments", CT_STRING, CMI_RW, .spm = 4096 },
	{ V12, "cmi.comments_from_lms", CT_STRING, CMI_RO, .spm = 4096 },
	{ V12, "cmi.objectives._children", CT_CHILDREN, CMI_RO,
	    .def = "id,score,status" },
	{ V12, "cmi.objectives._count", CT_COUNT, CMI_RO, .spm = 100 },
	{ V12, "cmi.objectives.n.id", CT_IDENTIFIER, CMI_RW, .spm = 255 },
	{ V12, "cmi.objectives.n.score._children", CT_CHILDREN, CMI_RO,
	    .def = "raw,min,max" },
	{ V12, "cmi.objectives.n.score.raw", CT_DECIMAL, CMI_RW, .min = "0",
	    .max = "100", .flags = CMI_F_BLANK },
	{ V12, "cmi.objectives.n.score.min", CT_DECIMAL, CMI_RW, .min = "0",
	    .max = "100", .flags = CMI_F_BLANK },
	{ V12, "cmi.objectives.n.score.max", CT_DECIMAL, CMI_RW, .min = "0",
	    .max = "100", .flags = CMI_F_BLANK },
	{ V12, "cmi.objectives.n.status", CT_VOCAB, CMI_RW,
	    .vocab = STATUS12 "|not attempted" },
	{ V12, "cmi.student_data._children", CT_CHILDREN, CMI_RO,
	    .def = "mastery_score,max_time_allowed,time_limit_action" },
	{ V12, "cmi.student_data.mastery_score", CT_DECIMAL, CMI_RO,
	    .min = "0", .max = "100" },
	{ V12, "cmi.student_data.max_time_allowed", CT_TIMESPAN, CMI_RO,
	    .flags = 0 },
	{ V12, "cmi.student_data.time_limit_action", CT_VOCAB, CMI_RO,
	    .vocab = ACTIONS },
	{ V12, "cmi.student_preference._children", CT_CHILDREN, CMI_RO,
	    .def = "audio,language,speed,text" },
	{ V12, "cmi.student_preference.audio", CT_SINTEGER, CMI_RW,
	    .min = "-1", .max = "100" },
	{ V12, "cmi.student_preference.language", CT_STRING, CMI_RW,
	    .spm = 255 },
	{ V12, "cmi.student_preference.speed", CT_SINTEGER, CMI_RW,
	    .min = "-100", .max = "100" },
	{ V12, "cmi.student_preference.text", CT_SINTEGER, CMI_RW,
	    .min = "-1", .max = "1" },
	{ V12, "cmi.interactions._children", CT_CHILDREN, CMI_RO,
	    .def = "id,objectives,time,type,correct_responses,weighting,"
	    "student_response,result,latency" },
	{ V12, "cmi.interactions._count", CT_COUNT, CMI_RO, .spm = 250 },
	{ V12, "cmi.interactions.n.id", CT_IDENTIFIER, CMI_WO, .spm = 255 },
	{ V12, "cmi.interactions.n.objectives._count", CT_COUNT, CMI_RO,
	    .spm = 10 },
	{ V12, "cmi.interactions.n.objectives.n.id", CT_IDENTIFIER, CMI_WO,
	    .spm = 255 },
	{ V12, "cmi.interactions.n.time", CT_TIME, CMI_WO, .flags = 0 },
	{ V12, "cmi.interactions.n.type", CT_VOCAB, CMI_WO, .vocab = ITYPES12 },
	{ V12, "cmi.interactions.n.correct_responses._count", CT_COUNT,
	    CMI_RO, .spm = 10 },
	{ V12, "cmi.interactions.n.correct_responses.n.pattern", CT_FEEDBACK,
	    CMI_WO, .spm = 255 },
	{ V12, "cmi.interactions.n.weighting", CT_DECIMAL, CMI_WO, .flags = 0 },
	{ V12, "cmi.interactions.n.student_response", CT_FEEDBACK, CMI_WO,
	    .spm = 255 },
	{ V12, "cmi.interactions.n.result", CT_RESULT, CMI_WO,
	    .vocab = "correct|wrong|unanticipated|neutral" },
	{ V12, "cmi.interactions.n.latency", CT_TIMESPAN, CMI_WO, .flags = 0 },

	/* SCORM 2004 4th edition (RTE 4.2). */
	{ V04, "cmi._version", CT_VERSION, CMI_RO, .def = "1.0" },
	{ V04, "cmi.comments_from_learner._children", CT_CHILDREN, CMI_RO,
	    .def = "comment,location,timestamp" },
	{ V04, "cmi.comments_from_learner._count", CT_COUNT, CMI_RO,
	    .spm = 250 },
	{ V04, "cmi.comments_from_learner.n.comment", CT_LOCALIZED, CMI_RW,
	    .spm = 4000 },
	{ V04, "cmi.comments_from_learner.n.location", CT_STRING, CMI_RW,
	    .spm = 250 },
	{ V04, "cmi.comments_from_learner.n.timestamp", CT_TIMESTAMP,
	    CMI_RW, .flags = 0 },
	{ V04, "cmi.comments_from_lms._children", CT_CHILDREN, CMI_RO,
	    .def = "comment,location,timestamp" },
	{ V04, "cmi.comments_from_lms._count", CT_COUNT, CMI_RO, .spm = 100 },
	{ V04, "cmi.comments_from_lms.n.comment", CT_LOCALIZED, CMI_RO,
	    .spm = 4000 },
	{ V04, "cmi.comments_from_lms.n.location", CT_STRING, CMI_RO,
	    .spm = 250 },
	{ V04, "cmi.comments_from_lms.n.timestamp", CT_TIMESTAMP, CMI_RO,
	    .flags = 0 },
	{ V04, "cmi.completion_status", CT_VOCAB, CMI_RW, .vocab = COMPLETION,
	    .def = "unknown", .flags = CMI_F_EVAL },
	{ V04, "cmi.completion_threshold", CT_REAL, CMI_RO, .min = "0",
	    .max = "1" },
	{ V04, "cmi.credit", CT_VOCAB, CMI_RO, .vocab = "credit|no-credit",
	    .def = "credit" },
	{ V04, "cmi.entry", CT_VOCAB, CMI_RO, .vocab = "ab-initio|resume|",
	    .def = "" },
	{ V04, "cmi.exit", CT_VOCAB, CMI_WO,
	    .vocab = "time-out|suspend|logout|normal|",
	    .flags = CMI_F_SESSION },
	{ V04, "cmi.interactions._children", CT_CHILDREN, CMI_RO,
	    .def = "id,type,objectives,timestamp,correct_responses,weighting,"
	    "learner_response,result,latency,description" },
	{ V04, "cmi.interactions._count", CT_COUNT, CMI_RO, .spm = 250 },
	{ V04, "cmi.interactions.n.id", CT_LONG_ID, CMI_RW, .spm = 4000 },
	{ V04, "cmi.interactions.n.type", CT_VOCAB, CMI_RW, .vocab = ITYPES04,
	    .dep = "cmi.interactions.n.id" },
	{ V04, "cmi.interactions.n.objectives._count", CT_COUNT, CMI_RO,
	    .spm = 10 },
	{ V04, "cmi.interactions.n.objectives.n.id", CT_LONG_ID, CMI_RW,
	    .spm = 4000, .dep = "cmi.interactions.n.id",
	    .flags = CMI_F_UNIQUE },
	{ V04, "cmi.interactions.n.timestamp", CT_TIMESTAMP, CMI_RW,
	    .dep = "cmi.interactions.n.id" },
	{ V04, "cmi.interactions.n.correct_responses._count", CT_COUNT,
	    CMI_RO, .spm = 10, .flags = CMI_F_BYTYPE },
	{ V04, "cmi.interactions.n.correct_responses.n.pattern", CT_PATTERN,
	    CMI_RW, .dep = "cmi.interactions.n.type",
	    .flags = CMI_F_BYTYPE },
	{ V04, "cmi.interactions.n.weighting", CT_REAL, CMI_RW,
	    .dep = "cmi.interactions.n.id" },
	{ V04, "cmi.interactions.n.learner_response", CT_RESPONSE, CMI_RW,
	    .dep = "cmi.interactions.n.type" },
	{ V04, "cmi.interactions.n.result", CT_RESULT, CMI_RW,
	    .vocab = "correct|incorrect|unanticipated|neutral",
	    .dep = "cmi.interactions.n.id" },
	{ V04, "cmi.interactions.n.latency", CT_DURATION, CMI_RW,
	    .dep = "cmi.interactions.n.id" },
	{ V04, "cmi.interactions.n.description", CT_LOCALIZED, CMI_RW,
	    .spm = 250, .dep = "cmi.interactions.n.id" },
	{ V04, "cmi.launch_data", CT_STRING, CMI_RO, .spm = 4000 },
	{ V04, "cmi.learner_id", CT_LONG_ID, CMI_RO, .spm = 4000 },
	{ V04, "cmi.learner_name", CT_LOCALIZED, CMI_RO, .spm = 250 },
	{ V04, "cmi.learner_preference._children", CT_CHILDREN, CMI_RO,
	    .def = "audio_level,language,delivery_speed,audio_captioning" },
	{ V04, "cmi.learner_preference.audio_level", CT_REAL, CMI_RW,
	    .min = "0", .def = "1" },
	{ V04, "cmi.learner_preference.language", CT_LANGUAGE, CMI_RW,
	    .spm = 250, .def = "" },
	{ V04, "cmi.learner_preference.delivery_speed", CT_REAL, CMI_RW,
	    .min = "0", .def = "1" },
	{ V04, "cmi.learner_preference.audio_captioning", CT_VOCAB, CMI_RW,
	    .vocab = "-1|0|1", .def = "0" },
	{ V04, "cmi.location", CT_STRING, CMI_RW, .spm = 1000 },
	{ V04, "cmi.max_time_allowed", CT_DURATION, CMI_RO, .flags = 0 },
	{ V04, "cmi.mode", CT_VOCAB, CMI_RO, .vocab = "browse|normal|review",
	    .def = "normal" },
	{ V04, "cmi.objectives._children", CT_CHILDREN, CMI_RO,
	    .def = "id,score,success_status,completion_status,"
	    "progress_measure,description" },
	{ V04, "cmi.objectives._count", CT_COUNT, CMI_RO, .spm = 100 },
	{ V04, "cmi.objectives.n.id", CT_LONG_ID, CMI_RW, .spm = 4000,
	    .flags = CMI_F_UNIQUE | CMI_F_ONCE },
	{ V04, "cmi.objectives.n.score._children", CT_CHILDREN, CMI_RO,
	    .def = "scaled,raw,min,max" },
	{ V04, "cmi.objectives.n.score.scaled", CT_REAL, CMI_RW, .min = "-1",
	    .max = "1", .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.score.raw", CT_REAL, CMI_RW,
	    .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.score.min", CT_REAL, CMI_RW,
	    .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.score.max", CT_REAL, CMI_RW,
	    .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.success_status", CT_VOCAB, CMI_RW,
	    .vocab = SUCCESS, .def = "unknown", .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.completion_status", CT_VOCAB, CMI_RW,
	    .vocab = COMPLETION, .def = "unknown",
	    .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.progress_measure", CT_REAL, CMI_RW,
	    .min = "0", .max = "1", .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.objectives.n.description", CT_LOCALIZED, CMI_RW,
	    .spm = 250, .dep = "cmi.objectives.n.id" },
	{ V04, "cmi.progress_measure", CT_REAL, CMI_RW, .min = "0",
	    .max = "1" },
	{ V04, "cmi.scaled_passing_score", CT_REAL, CMI_RO, .min = "-1",
	    .max = "1" },
	{ V04, "cmi.score._children", CT_CHILDREN, CMI_RO,
	    .def = "scaled,raw,min,max" },
	{ V04, "cmi.score.scaled", CT_REAL, CMI_RW, .min = "-1", .max = "1" },
	{ V04, "cmi.score.raw", CT_REAL, CMI_RW, .flags = 0 },
	{ V04, "cmi.score.min", CT_REAL, CMI_RW, .flags = 0 },
	{ V04, "cmi.score.max", CT_REAL, CMI_RW, .flags = 0 },
	{ V04, "cmi.session_time", CT_DURATION, CMI_WO,
	    .flags = CMI_F_SESSION },
	{ V04, "cmi.success_status", CT_VOCAB, CMI_RW, .vocab = SUCCESS,
	    .def = "unknown", .flags = CMI_F_EVAL },
	{ V04, "cmi.suspend_data", CT_STRING, CMI_RW, .spm = 64000 },
	{ V04, "cmi.time_limit_action", CT_VOCAB, CMI_RO, .vocab = ACTIONS,
	    .def = "continue,no message" },
	{ V04, "cmi.total_time", CT_DURATION, CMI_RO, .def = "PT0H0M0S" },
	{ V04, "adl.nav.request", CT_NAV_REQUEST, CMI_RW,
	    .vocab = "continue|previous|exit|exitAll|abandon|abandonAll|"
	    "suspendAll|_none_", .def = "_none_", .flags = CMI_F_SESSION },
	{ V04, "adl.nav.request_valid.continue", CT_VOCAB, CMI_RO,
	    .vocab = NAV_VALID, .def = "unknown" },
	{ V04, "adl.nav.request_valid.previous", CT_VOCAB, CMI_RO,
	    .vocab = NAV_VALID, .def = "unknown" },
	{ V04, "adl.nav.request_valid.choice.{target=*}", CT_VOCAB, CMI_RO,
	    .vocab = NAV_VALID, .def = "unknown" },
	{ V04, "adl.nav.request_valid.jump.{target=*}", CT_VOCAB, CMI_RO,
	    .vocab = NAV_VALID, .def = "unknown" },
	/* Shared data (4th edition): answered as unimplemented, 402. */
	{ V04, "adl.data._children", CT_UNIMPLEMENTED, CMI_RO, .flags = 0 },
	{ V04, "adl.data._count", CT_UNIMPLEMENTED, CMI_RO, .flags = 0 },
	{ V04, "adl.data.n.id", CT_UNIMPLEMENTED, CMI_RO, .flags = 0 },
	{ V04, "adl.data.n.store", CT_UNIMPLEMENTED, CMI_RO, .flags = 0 },
};

/* Interaction types: how many correct responses, must they differ. */
enum cmi_itype {
	IT_TRUE_FALSE,
	IT_CHOICE,
	IT_FILL_IN,
	IT_LONG_FILL_IN,
	IT_LIKERT,
	IT_MATCHING,
	IT_PERFORMANCE,
	IT_SEQUENCING,
	IT_NUMERIC,
	IT_OTHER
};
static const struct {
	const char	*name;
	int		 responses;	/* 2004 SPM of correct_responses */
	int		 unique;	/* no two equal patterns */
} cmi_itypes[] = {
	{ "true-false", 1, 0 },
	{ "choice", 10, 1 },
	{ "fill-in", 5, 0 },
	{ "long-fill-in", 5, 0 },
	{ "likert", 1, 0 },
	{ "matching", 5, 0 },
	{ "performance", 5, 0 },
	{ "sequencing", 5, 1 },
	{ "numeric", 1, 0 },
	{ "other", 1, 0 },
};

/*
 * What went wrong, and the code each version gives it. A 0 with 1.2's
 * C_NOT_INIT is GetValue answering "" for an element never set.
 */
enum cmi_cond {
	C_OK,
	C_UNDEFINED,
	C_FOREIGN,
	C_UNIMPLEMENTED,
	C_GET_EMPTY,
	C_SET_EMPTY,
	C_NO_CHILDREN,
	C_NO_COUNT,
	C_NO_VERSION,
	C_SET_KEYWORD,
	C_READ_ONLY,
	C_WRITE_ONLY,
	C_GET_INDEX,
	C_SET_INDEX,
	C_LIMIT,
	C_DEPENDENCY,
	C_TYPE,
	C_RANGE,
	C_UNIQUE,
	C_TOO_LONG,
	C_NOT_INIT
};
static const struct {
	const char	*name;
	int		 code12;
	int		 code2004;
	const char	*text;		/* diagnostic */
} cmi_conds[] = {
	{ "ok", 0, 0, "" },
	{ "undefined", 201, 401, "no such element" },
	{ "foreign", 401, 401, "not an element of this data model" },
	{ "unimplemented", 401, 402, "not implemented by this LMS" },
	{ "get_empty", 201, 301, "no element named" },
	{ "set_empty", 201, 351, "no element named" },
	{ "no_children", 202, 301, "this element has no _children" },
	{ "no_count", 203, 301, "this element is not a collection" },
	{ "no_version", 201, 301, "only cmi has a _version" },
	{ "set_keyword", 402, 404, "keywords are read only" },
	{ "read_only", 403, 404, "read only" },
	{ "write_only", 404, 405, "write only" },
	{ "get_index", 201, 301, "no item at this index" },
	{ "set_index", 201, 351, "items are set in order: index above _count" },
	{ "limit", 201, 351, "the collection is full" },
	{ "dependency", 405, 408, "set the element it depends on first" },
	{ "type", 405, 406, "not a valid value of its type" },
	{ "range", 405, 407, "out of range" },
	{ "unique", 201, 351, "the identifier is taken or cannot change" },
	{ "too_long", 405, 351, "longer than the LMS stores" },
	{ "not_init", 0, 403, "not initialized" },
};

/* The error texts of each spec, and in French for the interface. */
static const struct {
	int		 version;
	int		 code;
	const char	*en;
	const char	*fr;
} cmi_errors[] = {
	{ V12, 0, "No error", "Pas d'erreur" },
	{ V12, 101, "General exception", "Exception générale" },
	{ V12, 201, "Invalid argument error", "Argument invalide" },
	{ V12, 202, "Element cannot have children",
	    "L'élément ne peut pas avoir d'enfants" },
	{ V12, 203, "Element not an array - cannot have count",
	    "L'élément n'est pas une collection : pas de _count" },
	{ V12, 301, "Not initialized", "Non initialisé" },
	{ V12, 401, "Not implemented error", "Non implémenté" },
	{ V12, 402, "Invalid set value, element is a keyword",
	    "Écriture refusée : l'élément est un mot-clé" },
	{ V12, 403, "Element is read only", "Élément en lecture seule" },
	{ V12, 404, "Element is write only", "Élément en écriture seule" },
	{ V12, 405, "Incorrect data type", "Type de donnée incorrect" },
	{ V04, 0, "No Error", "Pas d'erreur" },
	{ V04, 101, "General Exception", "Exception générale" },
	{ V04, 102, "General Initialization Failure",
	    "Échec de l'initialisation" },
	{ V04, 103, "Already Initialized", "Déjà initialisé" },
	{ V04, 104, "Content Instance Terminated",
	    "Instance de contenu terminée" },
	{ V04, 111, "General Termination Failure",
	    "Échec de la terminaison" },
	{ V04, 112, "Termination Before Initialization",
	    "Terminaison avant l'initialisation" },
	{ V04, 113, "Termination After Termination",
	    "Terminaison après la terminaison" },
	{ V04, 122, "Retrieve Data Before Initialization",
	    "Lecture avant l'initialisation" },
	{ V04, 123, "Retrieve Data After Termination",
	    "Lecture après la terminaison" },
	{ V04, 132, "Store Data Before Initialization",
	    "Écriture avant l'initialisation" },
	{ V04, 133, "Store Data After Termination",
	    "Écriture après la terminaison" },
	{ V04, 142, "Commit Before Initialization",
	    "Enregistrement avant l'initialisation" },
	{ V04, 143, "Commit After Termination",
	    "Enregistrement après la terminaison" },
	{ V04, 201, "General Argument Error", "Erreur d'argument" },
	{ V04, 301, "General Get Failure", "Échec de la lecture" },
	{ V04, 351, "General Set Failure", "Échec de l'écriture" },
	{ V04, 391, "General Commit Failure", "Échec de l'enregistrement" },
	{ V04, 401, "Undefined Data Model Element",
	    "Élément du modèle de données non défini" },
	{ V04, 402, "Unimplemented Data Model Element",
	    "Élément du modèle de données non implémenté" },
	{ V04, 403, "Data Model Element Value Not Initialized",
	    "Valeur de l'élément non initialisée" },
	{ V04, 404, "Data Model Element Is Read Only",
	    "Élément en lecture seule" },
	{ V04, 405, "Data Model Element Is Write Only",
	    "Élément en écriture seule" },
	{ V04, 406, "Data Model Element Type Mismatch",
	    "Type de donnée incorrect" },
	{ V04, 407, "Data Model Element Value Out Of Range",
	    "Valeur hors limites" },
	{ V04, 408, "Data Model Dependency Not Established",
	    "Dépendance non établie" },
};

struct cmi_val {
	char		*name;
	char		*value;
	int		 dirty;
};

struct cmi_cnt {
	char		*key;		/* "cmi.interactions.3.objectives" */
	long		 n;
};

struct cmi {
	int		 version;
	struct cmi_val	*vals;		/* in insertion order */
	size_t		 nvals;
	size_t		 avals;
	size_t		*slots;		/* hash of names: index + 1, 0 free */
	size_t		 nslots;
	struct cmi_cnt	*cnts;		/* item counts of the collections */
	size_t		 ncnts;
	size_t		 acnts;
	char		 buf[32];
	char		 diag[256];
};

/* Where a concrete name matched its element: the collection indices. */
struct cmi_ref {
	const struct cmi_elem	*e;
	int			 nidx;
	long			 idx[2];
	size_t			 off[2];	/* where each index starts */
};

/*
 * Validators. Each takes a byte range of valid UTF-8 and answers 1 when it
 * is a lexically valid value of its type; ranges and lengths are checked
 * by the caller.
 */

static int
cmi_digit(int ch)
{
	return (ch >= '0' && ch <= '9');
}

static int
cmi_alpha(int ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
}

static int
cmi_xdigit(int ch)
{
	return (cmi_digit(ch) || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F'));
}

static int
cmi_eq(const char *s, size_t n, const char *word)
{
	return (strlen(word) == n && memcmp(s, word, n) == 0);
}

/* Characters of a UTF-8 string, or -1 when it is not well-formed UTF-8. */
static long
cmi_utf8_len(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	unsigned long		 cp;
	long			 len = 0;
	int			 k, i;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			len++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			k = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			k = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			k = 3;
			cp = *p & 0x07;
		} else
			return (-1);
		if (end - p <= k)
			return (-1);
		for (i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (-1);
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (-1);
		p += k + 1;
		len++;
	}
	return (len);
}

/* The digits at s: their value, or -1 when there are none or too many. */
static long long
cmi_number(const char *s, size_t n, size_t *used, size_t max)
{
	long long	 v = 0;
	size_t		 i;

	for (i = 0; i < n && i < max + 1 && cmi_digit(s[i]); i++)
		v = v * 10 + (s[i] - '0');
	*used = i;
	if (i == 0 || i > max)
		return (-1);
	return (v);
}

/* Exactly k digits at s[*i], advancing *i; -1 if not. */
static int
cmi_fixed(const char *s, size_t n, size_t *i, int k)
{
	int	 v = 0;

	while (k-- > 0) {
		if (*i >= n || !cmi_digit(s[*i]))
			return (-1);
		v = v * 10 + (s[(*i)++] - '0');
	}
	return (v);
}

/* An optional .d or .dd at s[*i], advancing *i: hundredths, 0 if none, -1. */
static int
cmi_hundredths(const char *s, size_t n, size_t *i)
{
	int	 cs;

	if (*i >= n || s[*i] != '.')
		return (0);
	(*i)++;
	if ((cs = cmi_fixed(s, n, i, 1)) < 0)
		return (-1);
	cs *= 10;
	if (*i < n && cmi_digit(s[*i]))
		cs += s[(*i)++] - '0';
	return (cs);
}

/* xs:decimal: an optional sign, digits with an optional point, no exponent. */
static int
cmi_is_decimal(const char *s, size_t n)
{
	size_t	 i = 0, digits = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n && cmi_digit(s[i]); i++)
		digits++;
	if (i < n && s[i] == '.') {
		for (i++; i < n && cmi_digit(s[i]); i++)
			digits++;
	}
	return (i == n && digits > 0);
}

/* 1.2 CMISInteger. */
static int
cmi_is_sinteger(const char *s, size_t n)
{
	size_t	 i = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	if (i == n)
		return (0);
	for (; i < n; i++) {
		if (!cmi_digit(s[i]))
			return (0);
	}
	return (1);
}

/* A decimal's value; the same rounding as JavaScript's Number(). */
static double
cmi_value_of(const char *s, size_t n)
{
	char	 small[64], *p;
	double	 v;

	if (n < sizeof small) {
		memcpy(small, s, n);
		small[n] = '\0';
		return (strtod(small, NULL));
	}
	p = xstrndup(s, n);
	v = strtod(p, NULL);
	free(p);
	return (v);
}

/* 1.2 CMITime: HH:MM:SS with an optional .S or .SS. */
static int
cmi_is_time(const char *s, size_t n)
{
	size_t	 i = 0;
	int	 h, m, sec;

	if ((h = cmi_fixed(s, n, &i, 2)) < 0 || i >= n || s[i++] != ':' ||
	    (m = cmi_fixed(s, n, &i, 2)) < 0 || i >= n || s[i++] != ':' ||
	    (sec = cmi_fixed(s, n, &i, 2)) < 0)
		return (0);
	if (h > 23 || m > 59 || sec > 59)
		return (0);
	if (cmi_hundredths(s, n, &i) < 0)
		return (0);
	return (i == n);
}

/* 1.2 CMITimespan: HHHH:MM:SS.SS, 2 to 4 digits of hours. */
static long long
cmi_timespan(const char *s, size_t n)
{
	long long	 h;
	size_t		 i, used;
	int		 m, sec, cs;

	if ((h = cmi_number(s, n, &used, 4)) < 0 || used < 2)
		return (-1);
	i = used;
	if (i >= n || s[i++] != ':' || (m = cmi_fixed(s, n, &i, 2)) < 0 ||
	    i >= n || s[i++] != ':' || (sec = cmi_fixed(s, n, &i, 2)) < 0)
		return (-1);
	if (m > 59 || sec > 59)
		return (-1);
	if ((cs = cmi_hundredths(s, n, &i)) < 0 || i != n)
		return (-1);
	return (h * 360000 + m * 6000 + sec * 100 + cs);
}

/*
 * 2004 timeinterval (second,10,2): P[nY][nM][nD][T[nH][nM][n[.n]S]], at
 * least one component, at most 2 decimals of seconds. A year counts 365
 * days, a month 30.
 */
static long long
cmi_duration(const char *s, size_t n)
{
	static const struct {
		char		 unit;
		int		 time;
		long long	 cs;
	} units[] = {
		{ 'Y', 0, 365 * 8640000LL },
		{ 'M', 0, 30 * 8640000LL },
		{ 'D', 0, 8640000LL },
		{ 'H', 1, 360000LL },
		{ 'M', 1, 6000LL },
		{ 'S', 1, 100LL },
	};
	long long	 total = 0, v;
	size_t		 i = 1, used, u = 0, k;
	int		 intime = 0, any = 0, dot, frac;

	if (n < 2 || s[0] != 'P')
		return (-1);
	while (i < n) {
		if (s[i] == 'T') {
			if (intime || ++i == n)
				return (-1);
			intime = 1;
			if (u < 3)
				u = 3;
			continue;
		}
		if ((v = cmi_number(s + i, n - i, &used, 15)) < 0)
			return (-1);
		i += used;
		dot = i < n && s[i] == '.';
		if ((frac = cmi_hundredths(s, n, &i)) < 0 || i >= n)
			return (-1);
		for (k = u; k < nitems(units); k++) {
			if (units[k].unit == s[i] && units[k].time == intime)
				break;
		}
		if (k == nitems(units) || (dot && units[k].unit != 'S'))
			return (-1);
		if (v > CMI_MAX_CS / units[k].cs)
			return (-1);
		total += v * units[k].cs + frac;
		if (total > CMI_MAX_CS)
			return (-1);
		u = k + 1;
		any = 1;
		i++;
	}
	return (any ? total : -1);
}

static int
cmi_leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

/*
 * 2004 time (second,10,0): YYYY[-MM[-DD[Thh[:mm[:ss[.s[s]][TZD]]]]]],
 * years 1970 to 2038; TZD is Z, +hh or +hh:mm, after the seconds only.
 */
static int
cmi_is_timestamp(const char *s, size_t n)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	size_t	 i = 0;
	int	 y, mo, d, h, mi, sec, days;

	if ((y = cmi_fixed(s, n, &i, 4)) < 1970 || y > 2038)
		return (0);
	if (i == n)
		return (1);
	if (s[i++] != '-' || (mo = cmi_fixed(s, n, &i, 2)) < 1 || mo > 12)
		return (0);
	if (i == n)
		return (1);
	days = mdays[mo - 1] + (mo == 2 && cmi_leap(y));
	if (s[i++] != '-' || (d = cmi_fixed(s, n, &i, 2)) < 1 || d > days)
		return (0);
	if (i == n)
		return (1);
	if (s[i++] != 'T' || (h = cmi_fixed(s, n, &i, 2)) < 0 || h > 23)
		return (0);
	if (i == n)
		return (1);
	if (s[i++] != ':' || (mi = cmi_fixed(s, n, &i, 2)) < 0 || mi > 59)
		return (0);
	if (i == n)
		return (1);
	if (s[i++] != ':' || (sec = cmi_fixed(s, n, &i, 2)) < 0 || sec > 59)
		return (0);
	if (cmi_hundredths(s, n, &i) < 0)
		return (0);
	if (i == n)
		return (1);
	if (s[i] == 'Z' || s[i] == 'z')
		return (i + 1 == n);
	if (s[i] != '+' && s[i] != '-')
		return (0);
	i++;
	if ((h = cmi_fixed(s, n, &i, 2)) < 0 || h > 23)
		return (0);
	if (i == n)
		return (1);
	if (s[i++] != ':' || (mi = cmi_fixed(s, n, &i, 2)) < 0 || mi > 59)
		return (0);
	return (i == n);
}

/* 1.2 CMIIdentifier: no white space, no control character. */
static int
cmi_is_identifier(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return (0);
	}
	return (1);
}

/*
 * 2004 long_identifier_type and short_identifier_type: a URI (RFC 3986
 * characters, non-ASCII allowed as in an IRI); a "urn:" one needs its NID
 * and NSS (RFC 2141). The SPM (4000 or 250) is not a type rule.
 */
static int
cmi_is_uri(const char *s, size_t n)
{
	size_t	 i, nid;
	int	 hash = 0;

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr("<>\"{}|\\^`[]", s[i]) != NULL)
			return (0);
		if (s[i] == '%' && (i + 2 >= n || !cmi_xdigit(s[i + 1]) ||
		    !cmi_xdigit(s[i + 2])))
			return (0);
		if (s[i] == '#' && hash++ > 0)
			return (0);
	}
	if (n < 4 || strncasecmp(s, "urn:", 4) != 0)
		return (1);
	for (i = 4, nid = 0; i < n && (cmi_alpha(s[i]) || cmi_digit(s[i]) ||
	    (s[i] == '-' && nid > 0)); i++)
		nid++;
	return (nid >= 1 && nid <= 32 && i + 1 < n && s[i] == ':');
}

/* language_type (RFC 3066): en, fr-CA, i-klingon, x-private; "" too. */
static int
cmi_is_language(const char *s, size_t n)
{
	size_t	 i = 0, k;

	if (n == 0)
		return (1);
	while (i < n && cmi_alpha(s[i]))
		i++;
	if (i == 1 && strchr("iIxX", s[0]) != NULL) {
		if (i == n)
			return (0);
	} else if (i < 2 || i > 3)
		return (0);
	while (i < n) {
		if (s[i++] != '-')
			return (0);
		for (k = 0; i < n && (cmi_alpha(s[i]) || cmi_digit(s[i]));
		    i++)
			k++;
		if (k < 1 || k > 8)
			return (0);
	}
	return (1);
}

/*
 * Skip the delimiters that may open a value ({lang=fr}, {case_matters=
 * true}, {order_matters=false}): each of names once, in any order. The
 * first other text ends them. NULL when a delimiter's value is invalid.
 */
static const char *
cmi_delims(const char *s, const char *end, const char *const *names)
{
	const char	*close, *eq, *v;
	size_t		 i, k;
	int		 seen = 0;

	while (s < end && *s == '{') {
		if ((close = memchr(s, '}', end - s)) == NULL ||
		    (eq = memchr(s, '=', close - s)) == NULL)
			break;
		k = eq - s - 1;
		for (i = 0; names[i] != NULL; i++) {
			if (cmi_eq(s + 1, k, names[i]))
				break;
		}
		if (names[i] == NULL || (seen & (1 << i)))
			break;
		seen |= 1 << i;
		v = eq + 1;
		if (strcmp(names[i], "lang") == 0) {
			if (close == v || !cmi_is_language(v, close - v))
				return (NULL);
		} else if (!cmi_eq(v, close - v, "true") &&
		    !cmi_eq(v, close - v, "false"))
			return (NULL);
		s = close + 1;
	}
	return (s);
}

static const char *const cmi_lang[] = { "lang", NULL };
static const char *const cmi_fill[] = { "case_matters", "order_matters",
    NULL };
static const char *const cmi_long_fill[] = { "case_matters", "lang", NULL };
static const char *const cmi_order[] = { "order_matters", NULL };

/* localized_string_type: an optional {lang=...}, then any text. */
static int
cmi_is_localized(const char *s, size_t n)
{
	return (cmi_delims(s, s + n, cmi_lang) != NULL);
}

/* The next item of a list cut at sep: its length; *more if sep followed. */
static size_t
cmi_next(const char **p, const char *end, const char *sep, int *more)
{
	const char	*s = *p, *q;
	size_t		 k = strlen(sep);

	for (q = s; q + k <= end; q++) {
		if (memcmp(q, sep, k) == 0) {
			*p = q + k;
			*more = 1;
			return (q - s);
		}
	}
	*p = end;
	*more = 0;
	return (end - s);
}

/* Where sep is in [s, s + n), or NULL; *twice if it is there again. */
static const char *
cmi_find(const char *s, size_t n, const char *sep, int *twice)
{
	const char	*p = s, *end = s + n, *first;
	int		 more;

	cmi_next(&p, end, sep, &more);
	if (!more)
		return (NULL);
	first = p - strlen(sep);
	cmi_next(&p, end, sep, &more);
	*twice = more;
	return (first);
}

/* numeric range: [min][:][max], either may be left out, min <= max. */
static int
cmi_is_range(const char *s, size_t n)
{
	const char	*sep;
	size_t		 a, b;
	int		 twice;

	if ((sep = cmi_find(s, n, "[:]", &twice)) == NULL || twice)
		return (0);
	a = sep - s;
	b = n - a - 3;
	if ((a > 0 && !cmi_is_decimal(s, a)) ||
	    (b > 0 && !cmi_is_decimal(sep + 3, b)))
		return (0);
	return (a == 0 || b == 0 ||
	    cmi_value_of(s, a) <= cmi_value_of(sep + 3, b));
}

struct cmi_span {
	const char	*s;
	size_t		 n;
};

static int
cmi_span_cmp(const void *a, const void *b)
{
	const struct cmi_span	*x = a, *y = b;
	int			 d;

	d = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
	if (d != 0)
		return (d);
	return (x->n < y->n ? -1 : x->n > y->n);
}

/* A choice: a set of short identifiers, [,] between, none twice. */
static int
cmi_is_choice(const char *s, size_t n)
{
	struct cmi_span	*v = NULL;
	const char	*p = s, *end = s + n;
	size_t		 nv = 0, i;
	int		 more, ok = 1;

	if (n == 0)
		return (1);
	do {
		v = xreallocarray(v, nv + 1, sizeof *v);
		v[nv].s = p;
		v[nv].n = cmi_next(&p, end, "[,]", &more);
		if (!cmi_is_uri(v[nv].s, v[nv].n))
			ok = 0;
		nv++;
	} while (more && ok);
	if (ok) {
		qsort(v, nv, sizeof *v, cmi_span_cmp);
		for (i = 1; i < nv; i++) {
			if (cmi_span_cmp(&v[i - 1], &v[i]) == 0)
				ok = 0;
		}
	}
	free(v);
	return (ok);
}

/* Pairs [.]-joined, [,] between: matching (ids) or performance steps. */
static int
cmi_is_pairs(const char *s, size_t n, int steps)
{
	const char	*p = s, *end = s + n, *item, *dot;
	size_t		 len, a, b;
	int		 more, twice;

	do {
		item = p;
		len = cmi_next(&p, end, "[,]", &more);
		if ((dot = cmi_find(item, len, "[.]", &twice)) == NULL ||
		    twice)
			return (0);
		a = dot - item;
		b = len - a - 3;
		if (!steps) {
			if (!cmi_is_uri(item, a) || !cmi_is_uri(dot + 3, b))
				return (0);
			continue;
		}
		if ((a == 0 && b == 0) || (a > 0 && !cmi_is_uri(item, a)))
			return (0);
		if (cmi_find(dot + 3, b, "[:]", &twice) != NULL &&
		    !cmi_is_range(dot + 3, b))
			return (0);
	} while (more);
	return (1);
}

/*
 * 2004 correct_responses.n.pattern (pattern) and learner_response, by
 * interaction type (RTE 4.2.9.1 and 4.2.9.2).
 */
static int
cmi_is_interaction(int it, int pattern, const char *s, size_t n)
{
	const char	*p, *end = s + n;
	size_t		 len;
	int		 more;

	switch (it) {
	case IT_TRUE_FALSE:
		return (cmi_eq(s, n, "true") || cmi_eq(s, n, "false"));
	case IT_CHOICE:
		return (cmi_is_choice(s, n));
	case IT_FILL_IN:
		p = s;
		if (pattern && (p = cmi_delims(s, end, cmi_fill)) == NULL)
			return (0);
		do {
			s = p;
			len = cmi_next(&p, end, "[,]", &more);
			if (!cmi_is_localized(s, len))
				return (0);
		} while (more);
		return (1);
	case IT_LONG_FILL_IN:
		p = cmi_delims(s, end, pattern ? cmi_long_fill : cmi_lang);
		return (p != NULL);
	case IT_LIKERT:
		return (cmi_is_uri(s, n));
	case IT_MATCHING:
		if (n == 0)
			return (!pattern);
		return (cmi_is_pairs(s, n, 0));
	case IT_PERFORMANCE:
		p = s;
		if (pattern && (p = cmi_delims(s, end, cmi_order)) == NULL)
			return (0);
		return (p < end && cmi_is_pairs(p, end - p, 1));
	case IT_SEQUENCING:
		if (n == 0)
			return (0);
		p = s;
		do {
			s = p;
			len = cmi_next(&p, end, "[,]", &more);
			if (!cmi_is_uri(s, len))
				return (0);
		} while (more);
		return (1);
	case IT_NUMERIC:
		return (pattern ? cmi_is_range(s, n) : cmi_is_decimal(s, n));
	case IT_OTHER:
		return (1);
	}
	return (0);
}

/*
 * 1.2 CMIFeedback: loosely defined by the spec and sent in many shapes by
 * authoring tools, so only true-false and numeric have a format.
 */
static int
cmi_is_feedback(int it, const char *s, size_t n)
{
	static const char *const tf[] = {
		"0", "1", "t", "f", "true", "false", NULL
	};
	size_t	 i;

	if (it == IT_TRUE_FALSE) {
		for (i = 0; tf[i] != NULL; i++) {
			if (cmi_eq(s, n, tf[i]))
				return (1);
		}
		return (0);
	}
	if (it == IT_NUMERIC)
		return (cmi_is_decimal(s, n));
	return (1);
}

/* Whether s is one of the '|'-separated tokens of vocab. */
static int
cmi_in_vocab(const char *vocab, const char *s, size_t n)
{
	const char	*p = vocab, *end;

	if (vocab == NULL)
		return (0);
	for (;;) {
		if ((end = strchr(p, '|')) == NULL)
			end = p + strlen(p);
		if (cmi_eq(p, end - p, "") ? n == 0 :
		    ((size_t)(end - p) == n && memcmp(p, s, n) == 0))
			return (1);
		if (*end == '\0')
			return (0);
		p = end + 1;
	}
}

/* adl.nav.request: a token, or {target=ID}choice, {target=ID}jump. */
static int
cmi_is_nav_request(const char *vocab, const char *s, size_t n)
{
	const char	*close;
	size_t		 rest;

	if (cmi_in_vocab(vocab, s, n))
		return (1);
	if (n < 9 || memcmp(s, "{target=", 8) != 0 ||
	    (close = memchr(s, '}', n)) == NULL)
		return (0);
	rest = n - (close + 1 - s);
	return (cmi_is_uri(s + 8, close - s - 8) &&
	    (cmi_eq(close + 1, rest, "choice") ||
	    cmi_eq(close + 1, rest, "jump")));
}

static int
cmi_itype(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < nitems(cmi_itypes); i++) {
		if (strcmp(cmi_itypes[i].name, name) == 0)
			return ((int)i);
	}
	return (-1);
}

/*
 * Names: a concrete name against a pattern of the table. With prefix, a
 * name that is only the first segments of the pattern matches too.
 */
static int
cmi_match(const char *pat, const char *name, struct cmi_ref *r, int prefix)
{
	const char	*p = pat, *s = name, *pe, *close;
	size_t		 plen, used;
	long long	 v;

	r->nidx = 0;
	for (;;) {
		if ((pe = strchr(p, '.')) == NULL)
			pe = p + strlen(p);
		plen = pe - p;
		if (cmi_eq(p, plen, "n")) {
			v = cmi_number(s, strlen(s), &used, 9);
			if (v < 0 || (used > 1 && *s == '0') || r->nidx == 2)
				return (0);
			r->idx[r->nidx] = (long)v;
			r->off[r->nidx++] = s - name;
			s += used;
		} else if (cmi_eq(p, plen, "{target=*}")) {
			if (strncmp(s, "{target=", 8) != 0 ||
			    (close = strchr(s, '}')) == NULL ||
			    close[1] != '\0' || close == s + 8)
				return (0);
			s = close + 1;
		} else {
			if (strncmp(s, p, plen) != 0)
				return (0);
			s += plen;
		}
		if (*pe == '\0')
			return (*s == '\0');
		if (*s == '\0')
			return (prefix);
		if (*s != '.')
			return (0);
		p = pe + 1;
		s++;
	}
}

static const struct cmi_elem *
cmi_lookup(int version, const char *name, struct cmi_ref *r)
{
	size_t	 i;

	for (i = 0; i < nitems(cmi_elems); i++) {
		if (cmi_elems[i].version == version &&
		    cmi_match(cmi_elems[i].name, name, r, 0)) {
			r->e = &cmi_elems[i];
			return (r->e);
		}
	}
	return (NULL);
}

/* Whether the first n bytes of name are an element or a group of them. */
static int
cmi_known(int version, const char *name, size_t n)
{
	struct cmi_ref	 r;
	char		*s;
	size_t		 i;
	int		 found = 0;

	s = xstrndup(name, n);
	for (i = 0; i < nitems(cmi_elems) && !found; i++) {
		if (cmi_elems[i].version == version &&
		    cmi_match(cmi_elems[i].name, s, &r, 1))
			found = 1;
	}
	free(s);
	return (found);
}

/* The keyword that ends name (_children, _count, _version), or NULL. */
static const char *
cmi_keyword(const char *name)
{
	const char	*dot;

	if ((dot = strrchr(name, '.')) == NULL)
		return (NULL);
	dot++;
	if (strcmp(dot, "_children") == 0 || strcmp(dot, "_count") == 0 ||
	    strcmp(dot, "_version") == 0)
		return (dot);
	return (NULL);
}

/* The name of a collection: name up to the dot before index i. */
static void
cmi_key(const char *name, const struct cmi_ref *r, int i, char *buf)
{
	size_t	 n = r->off[i] - 1;

	if (n >= CMI_KEY_MAX)
		n = CMI_KEY_MAX - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}

/* pat with its n replaced by idx, the last by last when last >= 0. */
static char *
cmi_subst(const char *pat, const long *idx, int nidx, long last)
{
	char	*out, *o;
	size_t	 len;
	int	 k = 0;

	len = strlen(pat) + 2 * 12;
	out = o = xmalloc(len);
	while (*pat != '\0') {
		if (pat[0] == 'n' && (pat[1] == '.' || pat[1] == '\0') &&
		    (o == out || o[-1] == '.') && k < 2) {
			o += snprintf(o, len - (o - out), "%ld",
			    k == nidx - 1 && last >= 0 ? last : idx[k]);
			k++;
			pat++;
		} else
			*o++ = *pat++;
	}
	*o = '\0';
	return (out);
}

/* Storage: the values in insertion order, a hash of their names. */

static size_t
cmi_hash(const char *s)
{
	size_t	 h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return (h);
}

static void
cmi_slot(struct cmi *c, size_t i)
{
	size_t	 j;

	j = cmi_hash(c->vals[i].name) & (c->nslots - 1);
	while (c->slots[j] != 0)
		j = (j + 1) & (c->nslots - 1);
	c->slots[j] = i + 1;
}

static void
cmi_rehash(struct cmi *c)
{
	size_t	 i;

	free(c->slots);
	c->nslots = 64;
	while (c->nslots < c->nvals * 2 + 2)
		c->nslots *= 2;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	for (i = 0; i < c->nvals; i++)
		cmi_slot(c, i);
}

static ssize_t
cmi_index(const struct cmi *c, const char *name)
{
	size_t	 j, k;

	j = cmi_hash(name) & (c->nslots - 1);
	while ((k = c->slots[j]) != 0) {
		if (strcmp(c->vals[k - 1].name, name) == 0)
			return ((ssize_t)k - 1);
		j = (j + 1) & (c->nslots - 1);
	}
	return (-1);
}

static const char *
cmi_raw(const struct cmi *c, const char *name)
{
	ssize_t	 i;

	if ((i = cmi_index(c, name)) < 0)
		return (NULL);
	return (c->vals[i].value);
}

static long
cmi_cnt_get(const struct cmi *c, const char *key)
{
	size_t	 i;

	for (i = 0; i < c->ncnts; i++) {
		if (strcmp(c->cnts[i].key, key) == 0)
			return (c->cnts[i].n);
	}
	return (0);
}

static void
cmi_cnt_raise(struct cmi *c, const char *key, long n)
{
	size_t	 i;

	for (i = 0; i < c->ncnts; i++) {
		if (strcmp(c->cnts[i].key, key) == 0) {
			if (c->cnts[i].n < n)
				c->cnts[i].n = n;
			return;
		}
	}
	if (c->ncnts == c->acnts) {
		c->acnts = c->acnts == 0 ? 16 : c->acnts * 2;
		c->cnts = xreallocarray(c->cnts, c->acnts, sizeof *c->cnts);
	}
	c->cnts[c->ncnts].key = xstrdup(key);
	c->cnts[c->ncnts++].n = n;
}

/* The item count of the collection at index level i of a name. */
static long
cmi_level_count(const struct cmi *c, const char *name,
    const struct cmi_ref *r, int i)
{
	char	 key[CMI_KEY_MAX];

	cmi_key(name, r, i, key);
	return (cmi_cnt_get(c, key));
}

static void
cmi_store(struct cmi *c, const char *name, const char *value, int dirty)
{
	struct cmi_ref	 r;
	char		 key[CMI_KEY_MAX];
	ssize_t		 k;
	int		 i;

	if ((k = cmi_index(c, name)) >= 0) {
		free(c->vals[k].value);
		c->vals[k].value = xstrdup(value);
		c->vals[k].dirty = dirty;
	} else {
		if (c->nvals == c->avals) {
			c->avals *= 2;
			c->vals = xreallocarray(c->vals, c->avals,
			    sizeof *c->vals);
		}
		c->vals[c->nvals].name = xstrdup(name);
		c->vals[c->nvals].value = xstrdup(value);
		c->vals[c->nvals++].dirty = dirty;
		if (c->nvals * 2 > c->nslots)
			cmi_rehash(c);
		else
			cmi_slot(c, c->nvals - 1);
	}
	if (cmi_lookup(c->version, name, &r) == NULL)
		return;
	for (i = 0; i < r.nidx; i++) {
		cmi_key(name, &r, i, key);
		cmi_cnt_raise(c, key, r.idx[i] + 1);
	}
}

/* Drop a value: the session-scoped ones, at cmi_begin. */
static void
cmi_remove(struct cmi *c, const char *name)
{
	ssize_t	 k;

	if ((k = cmi_index(c, name)) < 0)
		return;
	free(c->vals[k].name);
	free(c->vals[k].value);
	memmove(&c->vals[k], &c->vals[k + 1],
	    (c->nvals - k - 1) * sizeof *c->vals);
	c->nvals--;
	cmi_rehash(c);
}

struct cmi *
cmi_create(int version)
{
	struct cmi	*c;

	if (version != SCORM_12 && version != SCORM_2004)
		fatalx("cmi_create: no SCORM version %d", version);
	c = xcalloc(1, sizeof *c);
	c->version = version;
	c->avals = 32;
	c->vals = xcalloc(c->avals, sizeof *c->vals);
	cmi_rehash(c);
	return (c);
}

void
cmi_free(struct cmi *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nvals; i++) {
		free(c->vals[i].name);
		free(c->vals[i].value);
	}
	for (i = 0; i < c->ncnts; i++)
		free(c->cnts[i].key);
	free(c->vals);
	free(c->slots);
	free(c->cnts);
	free(c);
}

int
cmi_version(const struct cmi *c)
{
	return (c->version);
}

void
cmi_put(struct cmi *c, const char *name, const char *value)
{
	cmi_store(c, name, value, 0);
}

size_t
cmi_count(const struct cmi *c)
{
	return (c->nvals);
}

const char *
cmi_name(const struct cmi *c, size_t i)
{
	return (c->vals[i].name);
}

const char *
cmi_value(const struct cmi *c, size_t i)
{
	return (c->vals[i].value);
}

int
cmi_dirty(const struct cmi *c, size_t i)
{
	return (c->vals[i].dirty);
}

void
cmi_clean(struct cmi *c)
{
	size_t	 i;

	for (i = 0; i < c->nvals; i++)
		c->vals[i].dirty = 0;
}

const char *
cmi_diagnostic(const struct cmi *c)
{
	return (c->diag);
}

/* A stored value's number, when it is a decimal. */
static int
cmi_stored_number(const struct cmi *c, const char *name, double *v)
{
	const char	*s;

	if ((s = cmi_raw(c, name)) == NULL || !cmi_is_decimal(s, strlen(s)))
		return (0);
	*v = cmi_value_of(s, strlen(s));
	return (1);
}

/*
 * 2004 RTE 4.2.4.1 and 4.2.22.1: with a completion_threshold (a
 * scaled_passing_score), GetValue answers from progress_measure
 * (score.scaled), or "unknown" without one; otherwise what the SCO set.
 */
static const char *
cmi_eval(const struct cmi *c, const char *name)
{
	const char	*limit, *measure, *yes, *no, *s;
	double		 l, m;

	if (strcmp(name, "cmi.completion_status") == 0) {
		limit = "cmi.completion_threshold";
		measure = "cmi.progress_measure";
		yes = "completed";
		no = "incomplete";
	} else {
		limit = "cmi.scaled_passing_score";
		measure = "cmi.score.scaled";
		yes = "passed";
		no = "failed";
	}
	if (cmi_stored_number(c, limit, &l)) {
		if (!cmi_stored_number(c, measure, &m))
			return ("unknown");
		return (m >= l ? yes : no);
	}
	if ((s = cmi_raw(c, name)) != NULL)
		return (s);
	return ("unknown");
}

/* The code of a condition in this version, with its diagnostic. */
static int
cmi_fail(struct cmi *c, enum cmi_cond cond, const char *name,
    const char *detail)
{
	int	 code;

	code = c->version == SCORM_12 ? cmi_conds[cond].code12 :
	    cmi_conds[cond].code2004;
	if (code == 0) {
		c->diag[0] = '\0';
		return (0);
	}
	if (strlen(name) > 120 || cmi_utf8_len(name, strlen(name)) < 0)
		name = "element";
	snprintf(c->diag, sizeof c->diag, "%s: %s%s%s%s", name,
	    cmi_conds[cond].text, detail != NULL ? " (" : "",
	    detail != NULL ? detail : "", detail != NULL ? ")" : "");
	return (code);
}

static enum cmi_cond
cmi_undefined(const char *name)
{
	if (strcmp(name, "cmi") == 0 || strncmp(name, "cmi.", 4) == 0)
		return (C_UNDEFINED);
	return (C_FOREIGN);
}

static enum cmi_cond
cmi_check_get(struct cmi *c, const char *name, const char **value)
{
	const struct cmi_elem	*e;
	struct cmi_ref		 r;
	const char		*kw, *s;
	char			*key;
	int			 i;

	*value = "";
	if (*name == '\0')
		return (C_GET_EMPTY);
	if (cmi_utf8_len(name, strlen(name)) < 0)
		return (cmi_undefined(name));
	if ((e = cmi_lookup(c->version, name, &r)) == NULL) {
		kw = cmi_keyword(name);
		if (kw == NULL || !cmi_known(c->version, name, kw - name - 1))
			return (cmi_undefined(name));
		if (strcmp(kw, "_children") == 0)
			return (C_NO_CHILDREN);
		return (strcmp(kw, "_count") == 0 ? C_NO_COUNT : C_NO_VERSION);
	}
	if (e->type == CT_UNIMPLEMENTED)
		return (C_UNIMPLEMENTED);
	if (e->access == CMI_WO)
		return (C_WRITE_ONLY);
	for (i = 0; i < r.nidx; i++) {
		if (r.idx[i] >= cmi_level_count(c, name, &r, i))
			return (C_GET_INDEX);
	}
	switch (e->type) {
	case CT_CHILDREN:
	case CT_VERSION:
		*value = e->def;
		return (C_OK);
	case CT_COUNT:
		key = xstrndup(name, strlen(name) - strlen("._count"));
		snprintf(c->buf, sizeof c->buf, "%ld", cmi_cnt_get(c, key));
		free(key);
		*value = c->buf;
		return (C_OK);
	default:
		break;
	}
	if (e->flags & CMI_F_EVAL)
		*value = cmi_eval(c, name);
	else if ((s = cmi_raw(c, name)) != NULL)
		*value = s;
	else if (e->def != NULL)
		*value = e->def;
	else
		return (C_NOT_INIT);
	return (C_OK);
}

/* Item limit of the collection at index level of e's name. */
static long
cmi_limit(const struct cmi_elem *e, int level, int it)
{
	const char	*p;
	char		 pat[CMI_KEY_MAX];
	size_t		 i;
	int		 k = -1;

	for (p = e->name; *p != '\0'; p++) {
		if (p > e->name && p[-1] == '.' && p[0] == 'n' &&
		    (p[1] == '.' || p[1] == '\0') && ++k == level)
			break;
	}
	snprintf(pat, sizeof pat, "%.*s_count", (int)(p - e->name), e->name);
	for (i = 0; i < nitems(cmi_elems); i++) {
		if (cmi_elems[i].version != e->version ||
		    strcmp(cmi_elems[i].name, pat) != 0)
			continue;
		if ((cmi_elems[i].flags & CMI_F_BYTYPE) && it >= 0)
			return (cmi_itypes[it].responses);
		return (cmi_elems[i].spm);
	}
	return (0);
}

/* Whether another item of the same collection has this value. */
static int
cmi_taken(const struct cmi *c, const char *name, const struct cmi_ref *r,
    const char *value)
{
	const char	*s;
	char		*other;
	long		 m, count;
	int		 last = r->nidx - 1, taken = 0;

	count = cmi_level_count(c, name, r, last);
	for (m = 0; m < count && !taken; m++) {
		if (m == r->idx[last])
			continue;
		other = cmi_subst(r->e->name, r->idx, r->nidx, m);
		if ((s = cmi_raw(c, other)) != NULL && strcmp(s, value) == 0)
			taken = 1;
		free(other);
	}
	return (taken);
}

/* Type and range of a value; it is the interaction's type or -1. */
static enum cmi_cond
cmi_check_value(const struct cmi_elem *e, int it, const char *s, size_t n)
{
	double	 v;
	int	 ok;

	switch (e->type) {
	case CT_STRING:
		ok = 1;
		break;
	case CT_LOCALIZED:
		ok = cmi_is_localized(s, n);
		break;
	case CT_IDENTIFIER:
		ok = cmi_is_identifier(s, n);
		break;
	case CT_LONG_ID:
	case CT_SHORT_ID:
		ok = cmi_is_uri(s, n);
		break;
	case CT_DECIMAL:
	case CT_REAL:
		if (n == 0 && (e->flags & CMI_F_BLANK))
			return (C_OK);
		ok = cmi_is_decimal(s, n);
		break;
	case CT_SINTEGER:
		ok = cmi_is_sinteger(s, n);
		break;
	case CT_TIMESPAN:
		ok = cmi_timespan(s, n) >= 0;
		break;
	case CT_TIME:
		ok = cmi_is_time(s, n);
		break;
	case CT_DURATION:
		ok = cmi_duration(s, n) >= 0;
		break;
	case CT_TIMESTAMP:
		ok = cmi_is_timestamp(s, n);
		break;
	case CT_LANGUAGE:
		ok = cmi_is_language(s, n);
		break;
	case CT_VOCAB:
		ok = cmi_in_vocab(e->vocab, s, n);
		break;
	case CT_RESULT:
		ok = cmi_in_vocab(e->vocab, s, n) || cmi_is_decimal(s, n);
		break;
	case CT_FEEDBACK:
		ok = cmi_is_feedback(it, s, n);
		break;
	case CT_PATTERN:
	case CT_RESPONSE:
		ok = it >= 0 &&
		    cmi_is_interaction(it, e->type == CT_PATTERN, s, n);
		break;
	case CT_NAV_REQUEST:
		ok = cmi_is_nav_request(e->vocab, s, n);
		break;
	default:
		ok = 0;
		break;
	}
	if (!ok)
		return (C_TYPE);
	if ((e->type == CT_DECIMAL || e->type == CT_REAL ||
	    e->type == CT_SINTEGER) && (e->min != NULL || e->max != NULL)) {
		v = cmi_value_of(s, n);
		if ((e->min != NULL && v < strtod(e->min, NULL)) ||
		    (e->max != NULL && v > strtod(e->max, NULL)))
			return (C_RANGE);
	}
	return (C_OK);
}

/* The type of the interaction a name is under, or -1. */
static int
cmi_interaction_type(const struct cmi *c, const char *name,
    const struct cmi_ref *r)
{
	char	 type[64];

	if (r->nidx == 0 || strncmp(name, "cmi.interactions.", 17) != 0)
		return (-1);
	snprintf(type, sizeof type, "cmi.interactions.%ld.type", r->idx[0]);
	return (cmi_itype(cmi_raw(c, type)));
}

static enum cmi_cond
cmi_check_set(struct cmi *c, const char *name, const char *value,
    const char **detail)
{
	const struct cmi_elem	*e;
	struct cmi_ref		 r;
	enum cmi_cond		 cond;
	const char		*kw, *s;
	char			*dep;
	size_t			 n = strlen(value);
	long			 count, len;
	int			 i, fresh = -1, it;

	if (*name == '\0')
		return (C_SET_EMPTY);
	if (cmi_utf8_len(name, strlen(name)) < 0)
		return (cmi_undefined(name));
	e = cmi_lookup(c->version, name, &r);
	if (e != NULL && e->type == CT_UNIMPLEMENTED)
		return (C_UNIMPLEMENTED);
	if ((kw = cmi_keyword(name)) != NULL && (e != NULL ||
	    cmi_known(c->version, name, kw - name - 1)))
		return (C_SET_KEYWORD);
	if (e == NULL)
		return (cmi_undefined(name));
	if (e->access == CMI_RO)
		return (C_READ_ONLY);
	for (i = 0; i < r.nidx; i++) {
		count = cmi_level_count(c, name, &r, i);
		if (r.idx[i] > count)
			return (C_SET_INDEX);
		if (r.idx[i] == count && fresh < 0)
			fresh = i;
	}
	if (e->dep != NULL) {
		dep = cmi_subst(e->dep, r.idx, r.nidx, -1);
		s = cmi_raw(c, dep);
		free(dep);
		if (s == NULL)
			return (C_DEPENDENCY);
	}
	it = cmi_interaction_type(c, name, &r);
	for (i = fresh; i >= 0 && i < r.nidx; i++) {
		if (r.idx[i] >= cmi_limit(e, i, it))
			return (C_LIMIT);
	}
	*detail = cmi_type_names[e->type];
	if ((len = cmi_utf8_len(value, n)) < 0)
		return (C_TYPE);
	if (c->version == SCORM_12 && e->spm > 0 && len > e->spm)
		return (C_TYPE);
	if (len > CMI_CAP)
		return (C_TOO_LONG);
	if ((cond = cmi_check_value(e, it, value, n)) != C_OK)
		return (cond);
	if ((e->flags & CMI_F_ONCE) && (s = cmi_raw(c, name)) != NULL &&
	    strcmp(s, value) != 0)
		return (C_UNIQUE);
	if (((e->flags & CMI_F_UNIQUE) || ((e->flags & CMI_F_BYTYPE) &&
	    it >= 0 && cmi_itypes[it].unique)) && cmi_taken(c, name, &r, value))
		return (C_UNIQUE);
	return (C_OK);
}

int
cmi_get(struct cmi *c, const char *name, const char **value)
{
	return (cmi_fail(c, cmi_check_get(c, name, value), name, NULL));
}

int
cmi_set(struct cmi *c, const char *name, const char *value)
{
	enum cmi_cond	 cond;
	const char	*detail = NULL;

	if ((cond = cmi_check_set(c, name, value, &detail)) == C_OK)
		cmi_store(c, name, value, 1);
	return (cmi_fail(c, cond, name, cond == C_TYPE ? detail : NULL));
}

/* A number as the shortest decimal of at most 7 places. */
static void
cmi_format_real(double v, char *buf, size_t len)
{
	char	*p;

	snprintf(buf, len, "%.7f", v);
	p = buf + strlen(buf);
	while (p[-1] == '0')
		*--p = '\0';
	if (p[-1] == '.')
		*--p = '\0';
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, len, "0");
}

/* The text values the LMS gives at launch, by version. */
static const struct {
	const char	*v12;
	const char	*v2004;
	size_t		 off;
} cmi_launch_texts[] = {
	{ "cmi.core.student_id", "cmi.learner_id",
	    offsetof(struct cmi_launch, learner_id) },
	{ "cmi.core.student_name", "cmi.learner_name",
	    offsetof(struct cmi_launch, learner_name) },
	{ "cmi.core.entry", "cmi.entry", offsetof(struct cmi_launch, entry) },
	{ "cmi.core.credit", "cmi.credit",
	    offsetof(struct cmi_launch, credit) },
	{ "cmi.core.lesson_mode", "cmi.mode",
	    offsetof(struct cmi_launch, mode) },
	{ "cmi.student_data.max_time_allowed", "cmi.max_time_allowed",
	    offsetof(struct cmi_launch, max_time) },
	{ "cmi.student_data.time_limit_action", "cmi.time_limit_action",
	    offsetof(struct cmi_launch, time_action) },
	{ "cmi.launch_data", "cmi.launch_data",
	    offsetof(struct cmi_launch, launch_data) },
};

/* Elements that belong to one session: a new one starts without them. */
static const char *const cmi_session[] = {
	"cmi.core.exit", "cmi.core.session_time", "cmi.exit",
	"cmi.session_time", "adl.nav.request"
};

void
cmi_begin(struct cmi *c, const struct cmi_launch *l)
{
	const char	*s;
	char		 buf[64];
	size_t		 i;
	int		 v12 = c->version == SCORM_12;

	for (i = 0; i < nitems(cmi_session); i++)
		cmi_remove(c, cmi_session[i]);
	for (i = 0; i < nitems(cmi_launch_texts); i++) {
		s = *(const char *const *)((const char *)l +
		    cmi_launch_texts[i].off);
		if (s != NULL)
			cmi_store(c, v12 ? cmi_launch_texts[i].v12 :
			    cmi_launch_texts[i].v2004, s, 0);
	}
	if (v12) {
		cmi_format_timespan(l->total_cs, buf, sizeof buf);
		cmi_store(c, "cmi.core.total_time", buf, 0);
		if (l->mastery >= 0) {
			cmi_format_real(l->mastery * 100, buf, sizeof buf);
			cmi_store(c, "cmi.student_data.mastery_score", buf, 0);
		}
		if (cmi_raw(c, "cmi.core.lesson_status") == NULL)
			cmi_store(c, "cmi.core.lesson_status", "not attempted",
			    0);
		return;
	}
	cmi_format_duration(l->total_cs, buf, sizeof buf);
	cmi_store(c, "cmi.total_time", buf, 0);
	if (l->mastery >= 0) {
		cmi_format_real(l->mastery, buf, sizeof buf);
		cmi_store(c, "cmi.scaled_passing_score", buf, 0);
	}
	if (l->completion >= 0) {
		cmi_format_real(l->completion, buf, sizeof buf);
		cmi_store(c, "cmi.completion_threshold", buf, 0);
	}
	if (cmi_raw(c, "cmi.completion_status") == NULL)
		cmi_store(c, "cmi.completion_status", "unknown", 0);
	if (cmi_raw(c, "cmi.success_status") == NULL)
		cmi_store(c, "cmi.success_status", "unknown", 0);
}

/* What GetValue would see, whatever the element's access. */
static const char *
cmi_current(const struct cmi *c, const char *name)
{
	struct cmi_ref	 r;
	const char	*s;

	if ((s = cmi_raw(c, name)) != NULL)
		return (s);
	if (cmi_lookup(c->version, name, &r) != NULL && r.e->def != NULL)
		return (r.e->def);
	return ("");
}

/* Set a value at the end of a session: dirty when it changes. */
static void
cmi_change(struct cmi *c, const char *name, const char *value)
{
	const char	*old;

	if ((old = cmi_raw(c, name)) == NULL || strcmp(old, value) != 0)
		cmi_store(c, name, value, 1);
}

/*
 * What the LMS does at LMSFinish/Terminate. 1.2 (RTE 3.4.4): a status
 * the SCO left at "not attempted" becomes "completed" ("browsed" in browse
 * mode); then, for credit in normal mode, a mastery score and a raw score
 * decide "passed" or "failed". 2004: the evaluated statuses are stored.
 */
void
cmi_finish(struct cmi *c)
{
	const char	*st = "cmi.core.lesson_status", *mode, *mastery, *raw;
	int		 browse;

	if (c->version == SCORM_2004) {
		cmi_change(c, "cmi.completion_status",
		    cmi_eval(c, "cmi.completion_status"));
		cmi_change(c, "cmi.success_status",
		    cmi_eval(c, "cmi.success_status"));
		return;
	}
	mode = cmi_current(c, "cmi.core.lesson_mode");
	browse = strcmp(mode, "browse") == 0;
	if (strcmp(cmi_current(c, st), "not attempted") == 0)
		cmi_change(c, st, browse ? "browsed" : "completed");
	mastery = cmi_current(c, "cmi.student_data.mastery_score");
	raw = cmi_current(c, "cmi.core.score.raw");
	if (strcmp(cmi_current(c, "cmi.core.credit"), "credit") != 0 ||
	    strcmp(mode, "normal") != 0 ||
	    !cmi_is_decimal(mastery, strlen(mastery)) ||
	    !cmi_is_decimal(raw, strlen(raw)))
		return;
	cmi_change(c, st, cmi_value_of(raw, strlen(raw)) >=
	    cmi_value_of(mastery, strlen(mastery)) ? "passed" : "failed");
}

/* Whether a concrete element is part of an attempt's saved state. */
int
cmi_stored(const char *name)
{
	struct cmi_ref	 r;
	size_t		 i;

	for (i = 0; i < nitems(cmi_elems); i++) {
		if (cmi_elems[i].access != CMI_RO &&
		    !(cmi_elems[i].flags & CMI_F_SESSION) &&
		    cmi_match(cmi_elems[i].name, name, &r, 0))
			return (1);
	}
	return (0);
}

const char *
cmi_error_string(int version, int code)
{
	size_t	 i;

	for (i = 0; i < nitems(cmi_errors); i++) {
		if (cmi_errors[i].version == version &&
		    cmi_errors[i].code == code)
			return (cmi_errors[i].en);
	}
	return ("");
}

/*
 * Whether value is lexically valid for a type of the model (not vocabulary
 * nor result, which need an element): 1 yes, 0 no, -1 unknown type. itype
 * is the interaction type of feedback, pattern and response.
 */
int
cmi_valid(const char *type, const char *itype, const char *value)
{
	struct cmi_elem	 e;
	struct cmi_ref	 r;
	size_t		 i, n = strlen(value);

	memset(&e, 0, sizeof e);
	for (i = 0; i < nitems(cmi_type_names); i++) {
		if (strcmp(cmi_type_names[i], type) == 0)
			break;
	}
	if (i == nitems(cmi_type_names))
		return (-1);
	e.type = (enum cmi_type)i;
	switch (e.type) {
	case CT_CHILDREN:
	case CT_COUNT:
	case CT_VERSION:
	case CT_VOCAB:
	case CT_RESULT:
	case CT_UNIMPLEMENTED:
		return (-1);
	case CT_NAV_REQUEST:
		e.vocab = cmi_lookup(SCORM_2004, "adl.nav.request", &r)->vocab;
		break;
	default:
		break;
	}
	if (cmi_utf8_len(value, n) < 0)
		return (0);
	return (cmi_check_value(&e, cmi_itype(itype), value, n) == C_OK);
}

int64_t
cmi_timespan_cs(const char *s)
{
	return (cmi_timespan(s, strlen(s)));
}

int64_t
cmi_duration_cs(const char *s)
{
	return (cmi_duration(s, strlen(s)));
}

void
cmi_format_timespan(int64_t cs, char *buf, size_t len)
{
	const int64_t	 max = 9999 * 360000LL + 359999;

	if (cs < 0)
		cs = 0;
	if (cs > max)
		cs = max;
	snprintf(buf, len, "%04lld:%02d:%02d.%02d", (long long)(cs / 360000),
	    (int)(cs / 6000 % 60), (int)(cs / 100 % 60), (int)(cs % 100));
}

void
cmi_format_duration(int64_t cs, char *buf, size_t len)
{
	long long	 h;
	int		 m, s, f;

	if (cs < 0)
		cs = 0;
	if (cs > CMI_MAX_CS)
		cs = CMI_MAX_CS;
	h = cs / 360000;
	m = (int)(cs / 6000 % 60);
	s = (int)(cs / 100 % 60);
	f = (int)(cs % 100);
	if (f == 0)
		snprintf(buf, len, "PT%lldH%dM%dS", h, m, s);
	else if (f % 10 == 0)
		snprintf(buf, len, "PT%lldH%dM%d.%dS", h, m, s, f / 10);
	else
		snprintf(buf, len, "PT%lldH%dM%d.%02dS", h, m, s, f);
}

/* A '|' vocabulary as a JSON array. */
static json_t *
cmi_vocab_json(const char *vocab)
{
	json_t		*a;
	const char	*p = vocab, *end;

	a = json_array();
	for (;;) {
		if ((end = strchr(p, '|')) == NULL)
			end = p + strlen(p);
		json_array_append_new(a, json_stringn(p, end - p));
		if (*end == '\0')
			return (a);
		p = end + 1;
	}
}

static json_t *
cmi_elem_json(const struct cmi_elem *e)
{
	static const struct {
		int		 flag;
		const char	*name;
	} flags[] = {
		{ CMI_F_UNIQUE, "unique" },
		{ CMI_F_ONCE, "once" },
		{ CMI_F_BLANK, "blank" },
		{ CMI_F_SESSION, "session" },
		{ CMI_F_EVAL, "eval" },
		{ CMI_F_BYTYPE, "bytype" },
	};
	static const char *const access[] = { "", "ro", "wo", "rw" };
	json_t	*j, *f;
	size_t	 i;

	j = json_pack("{s:s, s:s, s:s}", "name", e->name, "type",
	    cmi_type_names[e->type], "access", access[e->access]);
	if (e->vocab != NULL)
		json_object_set_new(j, "vocab", cmi_vocab_json(e->vocab));
	if (e->min != NULL)
		json_object_set_new(j, "min", json_integer(atoi(e->min)));
	if (e->max != NULL)
		json_object_set_new(j, "max", json_integer(atoi(e->max)));
	if (e->spm > 0)
		json_object_set_new(j, "spm", json_integer(e->spm));
	if (e->def != NULL)
		json_object_set_new(j, "default", json_string(e->def));
	if (e->dep != NULL)
		json_object_set_new(j, "dep", json_string(e->dep));
	f = json_array();
	for (i = 0; i < nitems(flags); i++) {
		if (e->flags & flags[i].flag)
			json_array_append_new(f, json_string(flags[i].name));
	}
	if (json_array_size(f) > 0)
		json_object_set_new(j, "flags", f);
	else
		json_decref(f);
	return (j);
}

/*
 * The whole model for www/js/cmi.js (format 1): versions."12" and
 * versions."2004" hold the elements in table order and the error texts;
 * conditions map what went wrong to each version's code; itypes give the
 * correct_responses limits; cap is the longest value stored.
 */
json_t *
cmi_model_json(void)
{
	static const int versions[] = { SCORM_12, SCORM_2004 };
	json_t	*root, *vs, *v, *els, *errs, *conds, *its;
	char	 code[16];
	size_t	 i, k;

	vs = json_object();
	for (k = 0; k < nitems(versions); k++) {
		els = json_array();
		for (i = 0; i < nitems(cmi_elems); i++) {
			if (cmi_elems[i].version == versions[k])
				json_array_append_new(els,
				    cmi_elem_json(&cmi_elems[i]));
		}
		errs = json_object();
		for (i = 0; i < nitems(cmi_errors); i++) {
			if (cmi_errors[i].version != versions[k])
				continue;
			snprintf(code, sizeof code, "%d", cmi_errors[i].code);
			json_object_set_new(errs, code, json_pack("{s:s, s:s}",
			    "en", cmi_errors[i].en, "fr", cmi_errors[i].fr));
		}
		v = json_pack("{s:o, s:o}", "elements", els, "errors", errs);
		snprintf(code, sizeof code, "%d", versions[k]);
		json_object_set_new(vs, code, v);
	}
	conds = json_object();
	for (i = 1; i < nitems(cmi_conds); i++)
		json_object_set_new(conds, cmi_conds[i].name,
		    json_pack("{s:i, s:i, s:s}", "12", cmi_conds[i].code12,
		    "2004", cmi_conds[i].code2004, "text", cmi_conds[i].text));
	its = json_object();
	for (i = 0; i < nitems(cmi_itypes); i++)
		json_object_set_new(its, cmi_itypes[i].name,
		    json_pack("{s:i, s:b}", "responses",
		    cmi_itypes[i].responses, "unique", cmi_itypes[i].unique));
	root = json_pack("{s:i, s:i, s:o, s:o, s:o}", "format", 1, "cap",
	    CMI_CAP, "versions", vs, "conditions", conds, "itypes", its);
	return (root);
}
