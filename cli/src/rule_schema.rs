//! `--rule-schema`: a JSON schema of rules files, written for falco-rs
//! from the rules syntax it loads (the same items and keys as Falco's).
//! [`validate`] checks rules files against it when they are loaded.

use serde_json::{json, Value};

pub mod validate;

pub fn rule_schema() -> Value {
    let string_list = json!({"type": "array", "items": {"type": "string"}});
    let override_ops = json!({"type": "string", "enum": ["append", "replace"]});
    let mut definitions = serde_json::Map::new();
    definitions.insert(
        "Item".into(),
        json!({
            "anyOf": [
                {"$ref": "#/definitions/RequiredEngineVersion"},
                {"$ref": "#/definitions/RequiredPluginVersions"},
                {"$ref": "#/definitions/List"},
                {"$ref": "#/definitions/Macro"},
                {"$ref": "#/definitions/Rule"}
            ]
        }),
    );
    definitions.insert("RequiredEngineVersion".into(), json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["required_engine_version"],
                "properties": {
                    "required_engine_version": {"type": ["string", "integer"], "description": "Lowest engine version (x.y.z, or a bare minor number) the file needs."}
                }
            }));
    definitions.insert("RequiredPluginVersions".into(), json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["required_plugin_versions"],
                "properties": {
                    "required_plugin_versions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "version"],
                            "properties": {
                                "name": {"type": "string"},
                                "version": {"type": "string"},
                                "alternatives": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["name", "version"],
                                        "properties": {"name": {"type": "string"}, "version": {"type": "string"}}
                                    }
                                }
                            }
                        }
                    }
                }
            }));
    definitions.insert("List".into(), json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["list"],
                "properties": {
                    "list": {"type": "string"},
                    "items": {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                    "append": {"type": "boolean", "description": "Deprecated: use override."},
                    "override": {"type": "object", "additionalProperties": false, "properties": {"items": override_ops}}
                }
            }));
    definitions.insert("Macro".into(), json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["macro"],
                "properties": {
                    "macro": {"type": "string"},
                    "condition": {"type": "string"},
                    "append": {"type": "boolean", "description": "Deprecated: use override."},
                    "override": {"type": "object", "additionalProperties": false, "properties": {"condition": override_ops}}
                }
            }));
    definitions.insert(
        "Exception".into(),
        json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "fields": {"anyOf": [{"type": "string"}, string_list]},
                "comps": {"anyOf": [{"type": "string"}, string_list]},
                "values": {"type": "array"}
            }
        }),
    );
    definitions.insert("Rule".into(), json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["rule"],
                "properties": {
                    "rule": {"type": "string"},
                    "desc": {"type": "string"},
                    "condition": {"type": "string"},
                    "output": {"type": "string"},
                    "priority": {"type": "string", "enum": [
                        "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "INFO", "DEBUG",
                        "emergency", "alert", "critical", "error", "warning", "notice", "informational", "info", "debug"
                    ]},
                    "source": {"type": "string"},
                    "tags": string_list,
                    "enabled": {"type": "boolean"},
                    "exceptions": {"type": "array", "items": {"$ref": "#/definitions/Exception"}},
                    "warn_evttypes": {"type": "boolean"},
                    "skip-if-unknown-filter": {"type": "boolean"},
                    "capture": {"type": "boolean"},
                    "capture_duration": {"type": "integer"},
                    "append": {"type": "boolean", "description": "Deprecated: use override."},
                    "override": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "desc": override_ops, "condition": override_ops, "output": override_ops,
                            "priority": {"const": "replace"}, "tags": override_ops, "exceptions": override_ops,
                            "enabled": {"const": "replace"}, "warn_evttypes": {"const": "replace"},
                            "skip-if-unknown-filter": {"const": "replace"}, "capture": {"const": "replace"},
                            "capture_duration": {"const": "replace"}
                        }
                    }
                }
            }));
    json!({
        "$schema": "http://json-schema.org/draft-06/schema#",
        "title": "falco-rs rules file",
        "type": "array",
        "items": {"$ref": "#/definitions/Item"},
        "definitions": definitions,
    })
}
