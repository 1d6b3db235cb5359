/* Unit tests of manifest.c: SCORM 1.2 and 2004 manifests, and refusals. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assidu.h"

static const char m12[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<manifest identifier=\"demo12\" version=\"1.0\"\n"
    " xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\"\n"
    " xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_rootv1p2\">\n"
    " <metadata><schema>ADL SCORM</schema>"
    "<schemaversion>1.2</schemaversion></metadata>\n"
    " <organizations default=\"org2\">\n"
    "  <organization identifier=\"org1\"><title>Autre</title>\n"
    "   <item identifier=\"x\" identifierref=\"r1\"><title>X</title></item>"
    "</organization>\n"
    "  <organization identifier=\"org2\"><title>Cours réel</title>\n"
    "   <item identifier=\"week\"><title>Semaine 1</title>\n"
    "    <item identifier=\"u1\" identifierref=\"r1\" parameters=\"?a=1\">\n"
    "     <title>Unité 1 : le numérique</title>\n"
    "     <adlcp:masteryscore>80</adlcp:masteryscore>\n"
    "     <adlcp:maxtimeallowed>00:30:00</adlcp:maxtimeallowed>\n"
    "     <adlcp:datafromlms>bonjour</adlcp:datafromlms>\n"
    "    </item>\n"
    "    <item identifier=\"u2\" identifierref=\"r2\"><title>Fiche</title>"
    "</item>\n"
    "   </item>\n"
    "  </organization>\n"
    " </organizations>\n"
    " <resources xml:base=\"contenu/\">\n"
    "  <resource identifier=\"r1\" type=\"webcontent\" "
    "adlcp:scormtype=\"sco\" xml:base=\"u1/\" href=\"index.html\">\n"
    "   <file href=\"index.html\"/><file href=\"style.css\"/>\n"
    "  </resource>\n"
    "  <resource identifier=\"r2\" type=\"webcontent\" "
    "adlcp:scormtype=\"asset\" href=\"fiche.pdf#page=2\"/>\n"
    " </resources>\n"
    "</manifest>\n";

static const char m2004[] =
    "<manifest identifier=\"demo2004\"\n"
    " xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\"\n"
    " xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_v1p3\"\n"
    " xmlns:imsss=\"http://www.imsglobal.org/xsd/imsss\">\n"
    " <metadata><schema>ADL SCORM</schema>"
    "<schemaversion>2004 4th Edition</schemaversion></metadata>\n"
    " <organizations default=\"o\"><organization identifier=\"o\">"
    "<title>Cours 2004</title>\n"
    "  <item identifier=\"i1\" identifierref=\"r1\"><title>Quiz</title>\n"
    "   <adlcp:completionThreshold completedByMeasure=\"true\" "
    "minProgressMeasure=\"0.8\"/>\n"
    "   <adlcp:timeLimitAction>exit,message</adlcp:timeLimitAction>\n"
    "   <imsss:sequencing><imsss:limitConditions "
    "attemptAbsoluteDurationLimit=\"PT1H\"/>\n"
    "    <imsss:objectives><imsss:primaryObjective objectiveID=\"p\" "
    "satisfiedByMeasure=\"true\"><imsss:minNormalizedMeasure>0.7"
    "</imsss:minNormalizedMeasure></imsss:primaryObjective>"
    "</imsss:objectives></imsss:sequencing>\n"
    "  </item></organization></organizations>\n"
    " <resources><resource identifier=\"r1\" type=\"webcontent\" "
    "adlcp:scormType=\"sco\" href=\"quiz/index.html\"/></resources>\n"
    "</manifest>\n";

static struct manifest *
parse_ok(const char *xml)
{
	struct manifest	*m = NULL;
	char		*cause = NULL;

	if (manifest_parse(xml, strlen(xml), &m, &cause) != 0)
		fail_msg("refused: %s", cause);
	return (m);
}

static void
expect_error(const char *xml, const char *want)
{
	struct manifest	*m = NULL;
	char		*cause = NULL;

	assert_int_equal(manifest_parse(xml, strlen(xml), &m, &cause), -1);
	assert_null(m);
	if (strstr(cause, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", cause, want);
	free(cause);
}

static void
test_scorm12(void **state)
{
	struct manifest	*m = parse_ok(m12);

	assert_int_equal(m->version, SCORM_12);
	assert_string_equal(m->edition, "1.2");
	assert_string_equal(m->title, "Cours réel");
	/* The default organization's items, the heading included. */
	assert_int_equal(m->nitems, 3);
	assert_string_equal(m->items[0].identifier, "week");
	assert_null(m->items[0].href);
	assert_int_equal(m->items[1].depth, 1);
	assert_string_equal(m->items[1].title, "Unité 1 : le numérique");
	assert_string_equal(m->items[1].href, "contenu/u1/index.html");
	assert_string_equal(m->items[1].parameters, "?a=1");
	assert_true(m->items[1].sco);
	assert_true(m->items[1].mastery > 0.79 && m->items[1].mastery < 0.81);
	assert_string_equal(m->items[1].max_time, "00:30:00");
	assert_string_equal(m->items[1].launch_data, "bonjour");
	assert_false(m->items[2].sco);
	assert_int_equal(manifest_launchable(m), 2);
	/* Files to find in the zip: fragments dropped, bases applied. */
	assert_int_equal(m->nrefs, 4);
	assert_string_equal(m->refs[1].path, "contenu/u1/index.html");
	assert_string_equal(m->refs[2].path, "contenu/u1/style.css");
	assert_string_equal(m->refs[3].path, "contenu/fiche.pdf");
	manifest_free(m);
}

static void
test_scorm2004(void **state)
{
	struct manifest	*m = parse_ok(m2004);
	json_t		*j;

	assert_int_equal(m->version, SCORM_2004);
	assert_string_equal(m->edition, "2004 4th Edition");
	assert_int_equal(m->nitems, 1);
	assert_true(m->items[0].sco);
	assert_true(m->items[0].mastery > 0.69 && m->items[0].mastery < 0.71);
	assert_true(m->items[0].completion > 0.79 &&
	    m->items[0].completion < 0.81);
	assert_string_equal(m->items[0].max_time, "PT1H");
	assert_string_equal(m->items[0].time_action, "exit,message");
	j = manifest_json(m);
	assert_int_equal(json_integer_value(json_object_get(j, "version")),
	    2004);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "items"), 0), "href")), "quiz/index.html");
	json_decref(j);
	manifest_free(m);
}

static void
test_version_from_namespace(void **state)
{
	static const char xml[] =
	    "<manifest identifier=\"n\" "
	    "xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\" "
	    "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_rootv1p2\">"
	    "<organizations><organization identifier=\"o\"><title>T</title>"
	    "<item identifier=\"i\" identifierref=\"r\"><title>I</title>"
	    "</item></organization></organizations><resources>"
	    "<resource identifier=\"r\" href=\"a.html\" "
	    "adlcp:scormtype=\"sco\"/></resources></manifest>";
	struct manifest	*m = parse_ok(xml);

	assert_int_equal(m->version, SCORM_12);
	manifest_free(m);
}

static void
test_refusals(void **state)
{
	expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE manifest [\n"
	    "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	    "<manifest><organizations/>&x;</manifest>",
	    "DOCTYPE interdite");
	expect_error("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
	    "<!ENTITY lol \"lol\">\n"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    "]>\n<manifest>&lol2;</manifest>", "DOCTYPE interdite");
	expect_error("<manifest>\n<organizations>\n</manifest>",
	    "imsmanifest.xml:3: XML mal formé");
	expect_error("<manifest xmlns=\"http://example.com/x\">"
	    "<organizations/></manifest>", "ni SCORM 1.2 ni SCORM 2004");
	expect_error("<manifest xmlns:adlcp=\"http://www.adlnet.org/xsd/"
	    "adlcp_rootv1p2\">\n<organizations><organization identifier=\"o\">"
	    "\n<item identifier=\"i\" identifierref=\"nope\"/></organization>"
	    "</organizations><resources/></manifest>",
	    "imsmanifest.xml:3: l'élément « i » renvoie à la ressource "
	    "« nope »");
	expect_error("<manifest xmlns:adlcp=\"http://www.adlnet.org/xsd/"
	    "adlcp_rootv1p2\"><organizations><organization identifier=\"o\">"
	    "<item identifier=\"i\"/></organization></organizations>"
	    "</manifest>", "aucune unité à lancer");
	expect_error("<manifest xmlns:adlcp=\"http://www.adlnet.org/xsd/"
	    "adlcp_rootv1p2\"><organizations default=\"zz\"><organization "
	    "identifier=\"o\"/></organizations></manifest>",
	    "organisation par défaut");
	expect_error("<manifest xmlns:adlcp=\"http://www.adlnet.org/xsd/"
	    "adlcp_rootv1p2\"><organizations><organization identifier=\"o\">"
	    "<item identifier=\"i\" identifierref=\"r\"><adlcp:masteryscore>"
	    "150</adlcp:masteryscore></item></organization></organizations>"
	    "<resources><resource identifier=\"r\" href=\"a.html\"/>"
	    "</resources></manifest>", "masteryscore invalide");
	expect_error("", "XML mal formé");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scorm12),
		cmocka_unit_test(test_scorm2004),
		cmocka_unit_test(test_version_from_namespace),
		cmocka_unit_test(test_refusals),
	};

	return (cmocka_run_group_tests_name("manifest", tests, NULL, NULL));
}
