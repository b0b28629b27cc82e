//! Where a message is about: a chain of locations from the file down to
//! the item, key or condition token (Falco's `rule_loader::context`).

use super::sources::Position;
use std::sync::Arc;

macro_rules! item_types {
    ($($variant:ident => $text:literal,)*) => {
        /// The kind of thing a location points at.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ItemType {
            $($variant,)*
        }

        impl ItemType {
            /// Falco's wording, e.g. "rule condition".
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ItemType::$variant => $text,)*
                }
            }
        }
    };
}

item_types! {
    ValueFor => "value for",
    Exceptions => "exceptions",
    Exception => "exception",
    ExceptionValues => "exception values",
    ExceptionValue => "exception value",
    RulesContent => "rules content",
    RulesContentItem => "rules content item",
    RequiredEngineVersion => "required_engine_version",
    RequiredPluginVersions => "required plugin versions",
    RequiredPluginVersionsEntry => "required plugin versions entry",
    RequiredPluginVersionsAlternative => "required plugin versions alternative",
    List => "list",
    ListItem => "list item",
    Macro => "macro",
    MacroCondition => "macro condition",
    Rule => "rule",
    RuleCondition => "rule condition",
    ConditionExpression => "condition expression",
    RuleOutput => "rule output",
    RuleOutputExpression => "rule output expression",
    RulePriority => "rule priority",
    Override => "overrides",
    ExtensionItem => "extension item",
}

/// One step of a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name, or for a condition expression a quoted prefix of the
    /// condition (as Falco names it).
    pub name: String,
    /// The position in the file (for a condition expression: where the
    /// token lies in the file).
    pub pos: Position,
    pub item_type: ItemType,
    /// The rule, macro, list or exception name, or the key; may be empty.
    pub item_name: String,
}

/// A chain of locations, outermost first; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    locations: Vec<Location>,
    /// For a condition expression: the condition text and the byte offset
    /// in it, which the snippet shows instead of the file.
    condition: Option<(Arc<str>, usize)>,
}

impl Context {
    /// The whole file.
    pub fn file(name: &str) -> Context {
        Context {
            locations: vec![Location {
                name: name.to_owned(),
                pos: Position {
                    offset: 0,
                    line: 1,
                    column: 1,
                },
                item_type: ItemType::RulesContent,
                item_name: String::new(),
            }],
            condition: None,
        }
    }

    /// A location inside this one, in the same file.
    pub fn child(&self, pos: Position, item_type: ItemType, item_name: &str) -> Context {
        let mut locations = self.locations.clone();
        locations.push(Location {
            name: self.name().to_owned(),
            pos,
            item_type,
            item_name: item_name.to_owned(),
        });
        Context {
            locations,
            condition: None,
        }
    }

    /// A token of a condition: `offset` into `condition`, lying at `pos`
    /// in the file.
    pub fn condition_token(&self, condition: &str, offset: usize, pos: Position) -> Context {
        let mut locations = self.locations.clone();
        locations.push(Location {
            name: condition_name(condition),
            pos,
            item_type: ItemType::ConditionExpression,
            item_name: String::new(),
        });
        Context {
            locations,
            condition: Some((Arc::from(condition), offset)),
        }
    }

    /// The file this context is in (the first location's name).
    pub fn name(&self) -> &str {
        &self.locations[0].name
    }

    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    pub fn last(&self) -> &Location {
        &self.locations[self.locations.len() - 1]
    }

    pub(crate) fn condition(&self) -> Option<(&str, usize)> {
        self.condition.as_ref().map(|(text, at)| (&**text, *at))
    }
}

/// Falco's name for a condition location: the condition in quotes, cut to
/// 17 characters and "..." when longer than 20, line breaks as spaces.
fn condition_name(condition: &str) -> String {
    let shown: String = if condition.len() > 20 {
        let mut cut = 17;
        while !condition.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("\"{}...\"", &condition[..cut])
    } else {
        format!("\"{condition}\"")
    };
    shown.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_chain_locations() {
        let pos = Position {
            offset: 10,
            line: 2,
            column: 3,
        };
        let ctx = Context::file("f.yaml").child(pos, ItemType::Rule, "r");
        assert_eq!(ctx.locations().len(), 2);
        assert_eq!(ctx.name(), "f.yaml");
        assert_eq!(ctx.last().item_type.as_str(), "rule");
        let cond = ctx.condition_token("evt.type = open and\nproc.name = x", 4, pos);
        assert_eq!(cond.last().name, "\"evt.type = open a...\"");
        assert_eq!(
            cond.condition(),
            Some(("evt.type = open and\nproc.name = x", 4))
        );
        assert_eq!(condition_name("a\nb"), "\"a b\"");
    }
}
