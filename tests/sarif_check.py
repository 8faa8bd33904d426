#!/usr/bin/env python3
"""sarif_check.py -- structural check of a SARIF 2.1.0 log.

Checks what the OASIS SARIF 2.1.0 JSON schema requires of the objects
holeprof writes: the required properties (sarifLog: version, runs; run:
tool; tool: driver; toolComponent: name; reportingDescriptor: id; result:
message; message: text or id; multiformatMessageString: text; invocation:
executionSuccessful; notification: message; physicalLocation:
artifactLocation or address), the enums (level), the types and ranges
(startLine >= 1, ruleIndex >= -1), that no object carries a property the
schema does not define for it (the schema says additionalProperties:
false), and the cross references (ruleIndex names the rule whose id is
ruleId; a uriBaseId is defined in originalUriBaseIds, whose URIs end in
a slash).  It also checks what GitHub code scanning needs: every result
has a location with a URI, a ruleId, a message text and
partialFingerprints.

Usage: sarif_check.py FILE.sarif   -- prints "ok" or one problem per line,
exit 1 on any problem.
"""
import json
import re
import sys

LEVELS = {"none", "note", "warning", "error"}
ALLOWED = {
    "sarifLog": {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
    "run": {"tool", "invocations", "conversion", "language", "versionControlProvenance",
            "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results",
            "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
            "defaultEncoding", "defaultSourceLanguage", "newlineSequences",
            "columnKind", "externalPropertyFileReferences", "threadFlowLocations",
            "taxonomies", "addresses", "translations", "policies", "webRequests",
            "webResponses", "specialLocations", "properties"},
    "tool": {"driver", "extensions", "properties"},
    "toolComponent": {"guid", "name", "organization", "product", "productSuite",
                      "shortDescription", "fullDescription", "fullName", "version",
                      "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc",
                      "downloadUri", "informationUri", "globalMessageStrings",
                      "notifications", "rules", "taxa", "locations", "language",
                      "contents", "isComprehensive", "localizedDataSemanticVersion",
                      "minimumRequiredLocalizedDataSemanticVersion",
                      "associatedComponent", "translationMetadata",
                      "supportedTaxonomies", "properties"},
    "reportingDescriptor": {"id", "deprecatedIds", "guid", "deprecatedGuids", "name",
                            "deprecatedNames", "shortDescription", "fullDescription",
                            "messageStrings", "defaultConfiguration", "helpUri", "help",
                            "relationships", "properties"},
    "reportingConfiguration": {"enabled", "level", "rank", "parameters", "properties"},
    "multiformatMessageString": {"text", "markdown", "properties"},
    "message": {"text", "markdown", "id", "arguments", "properties"},
    "result": {"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget",
               "locations", "guid", "correlationGuid", "occurrenceCount",
               "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs",
               "graphTraversals", "relatedLocations", "suppressions", "baselineState",
               "rank", "attachments", "hostedViewerUri", "workItemUris", "provenance",
               "fixes", "taxa", "webRequest", "webResponse", "properties"},
    "location": {"id", "physicalLocation", "logicalLocations", "message", "annotations",
                 "relationships", "properties"},
    "physicalLocation": {"address", "artifactLocation", "region", "contextRegion",
                         "properties"},
    "artifactLocation": {"uri", "uriBaseId", "index", "description", "properties"},
    "region": {"startLine", "startColumn", "endLine", "endColumn", "charOffset",
               "charLength", "byteOffset", "byteLength", "snippet", "message",
               "sourceLanguage", "properties"},
    "invocation": {"commandLine", "arguments", "responseFiles", "startTimeUtc",
                   "endTimeUtc", "exitCode", "ruleConfigurationOverrides",
                   "notificationConfigurationOverrides", "toolExecutionNotifications",
                   "toolConfigurationNotifications", "exitCodeDescription",
                   "exitSignalName", "exitSignalNumber", "processStartFailureMessage",
                   "executionSuccessful", "machine", "account", "processId",
                   "executableLocation", "workingDirectory", "environmentVariables",
                   "stdin", "stdout", "stderr", "stdoutStderr", "properties"},
    "notification": {"locations", "message", "level", "threadId", "timeUtc", "exception",
                     "descriptor", "associatedRule", "properties"},
    "propertyBag": None,     # anything
}
problems = []


def bad(where, what):
    problems.append("%s: %s" % (where, what))


def obj(where, v, kind, required=()):
    if not isinstance(v, dict):
        bad(where, "%s is not an object" % kind)
        return False
    allowed = ALLOWED[kind]
    if allowed is not None:
        for k in v:
            if k not in allowed:
                bad(where, "%s has property %r, which the schema does not define" % (kind, k))
    for k in required:
        if k not in v:
            bad(where, "%s lacks required property %r" % (kind, k))
    return True


def string(where, v):
    if not isinstance(v, str):
        bad(where, "not a string: %r" % (v,))


def mmstring(where, v):
    if obj(where, v, "multiformatMessageString", ("text",)):
        string(where + ".text", v.get("text"))


def message(where, v):
    if obj(where, v, "message"):
        if "text" not in v and "id" not in v:
            bad(where, "message has neither text nor id")
        if "text" in v:
            string(where + ".text", v["text"])


def artifact(where, v, bases):
    if obj(where, v, "artifactLocation"):
        if "uri" in v:
            string(where + ".uri", v["uri"])
            if re.search(r"[\s\x00-\x1f]", v["uri"]):
                bad(where, "uri has a space or control character: %r" % v["uri"])
        if "uriBaseId" in v:
            string(where + ".uriBaseId", v["uriBaseId"])
            if bases is not None and v["uriBaseId"] not in bases:
                bad(where, "uriBaseId %r not in originalUriBaseIds" % v["uriBaseId"])


def check(log):
    if not obj("$", log, "sarifLog", ("version", "runs")):
        return
    if log.get("version") != "2.1.0":
        bad("$.version", "is %r, not '2.1.0'" % (log.get("version"),))
    runs = log.get("runs")
    if not isinstance(runs, list):
        bad("$.runs", "not an array")
        return
    for ri, run in enumerate(runs):
        w = "$.runs[%d]" % ri
        if not obj(w, run, "run", ("tool",)):
            continue
        tool = run.get("tool")
        rules = []
        if obj(w + ".tool", tool, "tool", ("driver",)):
            drv = tool.get("driver")
            if obj(w + ".tool.driver", drv, "toolComponent", ("name",)):
                string(w + ".tool.driver.name", drv.get("name"))
                rules = drv.get("rules", [])
                if not isinstance(rules, list):
                    bad(w + ".tool.driver.rules", "not an array")
                    rules = []
                ids = set()
                for k, r in enumerate(rules):
                    rw = "%s.tool.driver.rules[%d]" % (w, k)
                    if not obj(rw, r, "reportingDescriptor", ("id",)):
                        continue
                    string(rw + ".id", r.get("id"))
                    if r.get("id") in ids:
                        bad(rw, "rule id %r repeated" % r.get("id"))
                    ids.add(r.get("id"))
                    for d in ("shortDescription", "fullDescription", "help"):
                        if d in r:
                            mmstring(rw + "." + d, r[d])
                    if "defaultConfiguration" in r:
                        dc = r["defaultConfiguration"]
                        if obj(rw + ".defaultConfiguration", dc, "reportingConfiguration"):
                            if dc.get("level", "warning") not in LEVELS:
                                bad(rw, "default level %r" % dc.get("level"))
                    if "properties" in r and not isinstance(r["properties"], dict):
                        bad(rw, "properties is not an object")
        bases = None
        if "originalUriBaseIds" in run:
            bases = run["originalUriBaseIds"]
            if not isinstance(bases, dict):
                bad(w + ".originalUriBaseIds", "not an object")
                bases = {}
            for k, v in bases.items():
                artifact(w + ".originalUriBaseIds." + k, v, None)
                if isinstance(v, dict) and not str(v.get("uri", "/")).endswith("/"):
                    bad(w + ".originalUriBaseIds." + k, "uri does not end in a slash")
        for ii, inv in enumerate(run.get("invocations", [])):
            iw = "%s.invocations[%d]" % (w, ii)
            if obj(iw, inv, "invocation", ("executionSuccessful",)):
                for ni, nt in enumerate(inv.get("toolExecutionNotifications", [])):
                    nw = "%s.toolExecutionNotifications[%d]" % (iw, ni)
                    if obj(nw, nt, "notification", ("message",)):
                        message(nw + ".message", nt["message"])
                        if nt.get("level", "warning") not in LEVELS:
                            bad(nw, "level %r" % nt.get("level"))
        results = run.get("results", [])
        if not isinstance(results, list):
            bad(w + ".results", "not an array")
            continue
        for k, res in enumerate(results):
            rw = "%s.results[%d]" % (w, k)
            if not obj(rw, res, "result", ("message",)):
                continue
            message(rw + ".message", res.get("message"))
            if "text" not in res.get("message", {}):
                bad(rw, "GitHub needs message.text")
            if res.get("level", "warning") not in LEVELS:
                bad(rw, "level %r not in %s" % (res.get("level"), sorted(LEVELS)))
            if "ruleId" not in res:
                bad(rw, "GitHub needs a ruleId")
            idx = res.get("ruleIndex", -1)
            if not isinstance(idx, int) or idx < -1:
                bad(rw, "ruleIndex %r" % (idx,))
            elif idx >= 0:
                if idx >= len(rules):
                    bad(rw, "ruleIndex %d beyond %d rules" % (idx, len(rules)))
                elif rules[idx].get("id") != res.get("ruleId"):
                    bad(rw, "ruleIndex %d is rule %r, ruleId says %r"
                        % (idx, rules[idx].get("id"), res.get("ruleId")))
            locs = res.get("locations", [])
            if not isinstance(locs, list) or not locs:
                bad(rw, "GitHub needs at least one location")
                locs = []
            for li, loc in enumerate(locs):
                lw = "%s.locations[%d]" % (rw, li)
                if not obj(lw, loc, "location"):
                    continue
                pl = loc.get("physicalLocation")
                if pl is None:
                    bad(lw, "no physicalLocation")
                    continue
                if obj(lw + ".physicalLocation", pl, "physicalLocation"):
                    if "artifactLocation" not in pl and "address" not in pl:
                        bad(lw, "physicalLocation has neither artifactLocation nor address")
                    if "artifactLocation" in pl:
                        artifact(lw + ".physicalLocation.artifactLocation",
                                 pl["artifactLocation"], bases)
                        if "uri" not in pl["artifactLocation"]:
                            bad(lw, "GitHub needs artifactLocation.uri")
                    if "region" in pl:
                        rg = pl["region"]
                        if obj(lw + ".region", rg, "region"):
                            if not any(x in rg for x in ("startLine", "charOffset", "byteOffset")):
                                bad(lw, "region has none of startLine, charOffset, byteOffset")
                            sl = rg.get("startLine", 1)
                            if not isinstance(sl, int) or sl < 1:
                                bad(lw, "startLine %r" % (sl,))
            pf = res.get("partialFingerprints")
            if not isinstance(pf, dict) or not pf:
                bad(rw, "no partialFingerprints")
            else:
                for fk, fv in pf.items():
                    string(rw + ".partialFingerprints." + fk, fv)


with open(sys.argv[1], encoding="utf-8") as f:
    check(json.load(f))
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("ok")
