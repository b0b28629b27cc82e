//! Falco's load error and warning codes, with the texts Falco prints for
//! them (falco_load_result.cpp). One row per code: the name, the short
//! text (printed after the code), and the long description.

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $short:literal, $desc:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The code as Falco spells it, e.g. `LOAD_ERR_YAML_PARSE`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            /// The short text, e.g. "YAML parse error".
            pub fn short(self) -> &'static str {
                match self {
                    $($name::$variant => $short,)*
                }
            }

            /// The longer description of what the code means.
            pub fn description(self) -> &'static str {
                match self {
                    $($name::$variant => $desc,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

codes! {
    /// Why a rules file could not be loaded.
    ErrorCode {
        FileRead => "LOAD_ERR_FILE_READ", "File read error",
            "This occurs when falco can not read a given file. Check permissions and whether the file exists.";
        YamlParse => "LOAD_ERR_YAML_PARSE", "YAML parse error",
            "This occurs when the rules content is not valid YAML.";
        YamlValidate => "LOAD_ERR_YAML_VALIDATE", "Error validating internal structure of YAML file",
            "This occurs when the internal structure of the YAML file is incorrect. Examples include not consisting of a sequence of maps, a given rule/macro/list item not having required keys, values not having the right type (e.g. the items property of a list not being a sequence), etc.";
        CompileCondition => "LOAD_ERR_COMPILE_CONDITION", "Error compiling condition",
            "This occurs when a condition string can not be compiled to a filter object.";
        CompileOutput => "LOAD_ERR_COMPILE_OUTPUT", "Error compiling output",
            "This occurs when an output string can not be compiled to an output object.";
        Validate => "LOAD_ERR_VALIDATE", "Error validating rule/macro/list/exception objects",
            "This occurs when a rule/macro/list item is incorrect. Examples include a condition field referring to an undefined macro, falco engine/plugin version mismatches, items with append without any existing item, exception fields/comps having different lengths, etc.";
        Extension => "LOAD_ERR_EXTENSION", "Error in extension item",
            "This occurs when there is an error in an extension item";
    }
}

codes! {
    /// Something worth telling about a rules file that still loads.
    WarningCode {
        UnknownSource => "LOAD_UNKNOWN_SOURCE", "Unknown event source",
            "A rule has a unknown event source. This can occur when reading rules content without having a corresponding plugin loaded, etc. The rule will be silently ignored.";
        UnsafeNaCheck => "LOAD_UNSAFE_NA_CHECK", "Unsafe <NA> comparison in condition",
            "Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. If you need to check for the existence of a field, consider using the 'exists' operator instead.";
        NoEvttype => "LOAD_NO_EVTTYPE", "Condition has no event-type restriction",
            "A rule condition matches too many evt.type values. This has a significant performance penalty. Make the condition more specific by adding an evt.type field or further restricting the number of evt.type values in the condition.";
        UnknownFilter => "LOAD_UNKNOWN_FILTER", "Unknown field or event-type in condition or output",
            "A rule condition or output refers to a field or evt.type that does not exist. This is normally an error, but if a rule has a skip-if-unknown-filter property, the error is downgraded to a warning.";
        UnusedMacro => "LOAD_UNUSED_MACRO", "Unused macro",
            "A macro is defined in the rules content but is not used by any other macro or rule.";
        UnusedList => "LOAD_UNUSED_LIST", "Unused list",
            "A list is defined in the rules content but is not used by any other list, macro, or rule.";
        UnknownItem => "LOAD_UNKNOWN_ITEM", "Unknown rules file item",
            "An unknown top-level object is in the rules content. It will be ignored.";
        DeprecatedItem => "LOAD_DEPRECATED_ITEM", "Used deprecated item",
            "A deprecated item is employed by lists, macros, or rules.";
        WarningExtension => "LOAD_WARNING_EXTENSION", "Warning in extension item",
            "An extension item has a warning";
        AppendNoValues => "LOAD_APPEND_NO_VALUES", "Overriding/appending with no values",
            "A rule exception is overriding/appending with no values";
        ExceptionNameNotUnique => "LOAD_EXCEPTION_NAME_NOT_UNIQUE", "Multiple exceptions defined with the same name",
            "A rule is defining multiple exceptions with the same name";
        InvalidMacroName => "LOAD_INVALID_MACRO_NAME", "Invalid macro name",
            "A macro is defined with an invalid name";
        InvalidListName => "LOAD_INVALID_LIST_NAME", "Invalid list name",
            "A list is defined with an invalid name";
        CompileCondition => "LOAD_COMPILE_CONDITION", "Warning in rule condition",
            "A rule condition or output have been parsed with a warning";
        // Ours, not Falco's (see `WarningCode::is_falco_code`): load-time
        // lint of what can never take effect.
        NeverMatches => "LOAD_NEVER_MATCHES", "Rule can never match",
            "A rule condition can never be true: its checks contradict each other (for example the same field compared with two different values in one conjunction). The rule will never fire.";
        ExceptionNeverMatches => "LOAD_EXCEPTION_NEVER_MATCHES", "Exception can never match",
            "A rule exception item can never be true on an event the rule condition accepts (for example it lists an event type the condition excludes). It has no effect.";
        NoopOverride => "LOAD_NOOP_OVERRIDE", "Override or append changes nothing",
            "An append or override leaves the item as it was: a blank condition appended, a value replaced with itself, list items or exception values that are all already present, or 'enabled' set to the value it already had.";
    }
}

impl WarningCode {
    /// Whether Falco itself has this code. falco-rs adds lint codes of its
    /// own; comparisons with Falco's load results leave those out.
    pub fn is_falco_code(self) -> bool {
        !matches!(
            self,
            WarningCode::NeverMatches
                | WarningCode::ExceptionNeverMatches
                | WarningCode::NoopOverride
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_falcos_order_and_texts() {
        let errors: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(errors[0], "LOAD_ERR_FILE_READ");
        assert_eq!(errors[6], "LOAD_ERR_EXTENSION");
        let warnings: Vec<&str> = WarningCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(warnings.len(), 17);
        assert_eq!(warnings[13], "LOAD_COMPILE_CONDITION");
        // Falco's codes come first; ours follow and say so.
        let falcos = WarningCode::ALL.iter().take_while(|c| c.is_falco_code());
        assert_eq!(falcos.count(), 14);
        assert!(WarningCode::ALL[14..].iter().all(|c| !c.is_falco_code()));
        assert_eq!(warnings[14], "LOAD_NEVER_MATCHES");
        assert_eq!(ErrorCode::YamlParse.short(), "YAML parse error");
        assert!(WarningCode::UnusedList.description().contains("not used"));
    }
}
