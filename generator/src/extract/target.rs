//! Overlay targets: the JSONPath subset of member access that overlays use, parsed into the
//! member paths a target selects, and written back for messages.

/// Parses a JSONPath of the supported subset into the member paths it selects, root first:
/// `$`, then any of `.name`, `['name']` or `["name"]` (the bracket forms for names with `.`,
/// `/`, `{`, or quotes, which take `\\`, `\'` and `\"` escapes). The last segment may be a
/// union of quoted names, `['post','patch']`, which selects each member in turn (one path per
/// member, in the order written); a target without a union selects one path. The error says
/// what is wrong and at which character.
pub fn parse_target(target: &str) -> Result<Vec<Vec<String>>, String> {
    let mut chars = target.char_indices().peekable();
    if chars.next().map(|(_, c)| c) != Some('$') {
        return Err("a target must start with `$`".into());
    }
    let mut path = Vec::new();
    let mut union = None;
    while let Some((at, c)) = chars.next() {
        if union.is_some() {
            return Err(format!(
                "a union of names must be the last segment (character {} follows one)",
                at + 1
            ));
        }
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    if c.is_whitespace() || "*?()@$,:'\"]".contains(c) {
                        return Err(format!(
                            "unsupported character `{c}` in a `.name` segment (character {}); \
                             use the `['name']` form",
                            at + 1
                        ));
                    }
                    name.push(c);
                    chars.next();
                }
                if name.is_empty() {
                    return Err(format!(
                        "empty member name after `.` (character {}); recursive descent `..` is not supported",
                        at + 1
                    ));
                }
                path.push(name);
            }
            '[' => {
                let mut names = bracketed_names(&mut chars, at)?;
                if names.len() == 1 {
                    path.extend(names.pop());
                } else {
                    union = Some(names);
                }
            }
            other => {
                return Err(format!(
                    "unexpected `{other}` at character {}; expected `.name` or `['name']`",
                    at + 1
                ))
            }
        }
    }
    Ok(match union {
        None => vec![path],
        Some(members) => members
            .into_iter()
            .map(|member| {
                let mut selected = path.clone();
                selected.push(member);
                selected
            })
            .collect(),
    })
}

/// The quoted names of a bracket segment whose `[` is at byte `at`, up to and including its
/// `]`: one name, or a comma-separated union (spaces allowed around the commas).
fn bracketed_names(
    chars: &mut std::iter::Peekable<std::str::CharIndices>,
    at: usize,
) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    loop {
        let quote = match chars.next() {
            Some((_, quote @ ('\'' | '"'))) => quote,
            _ => {
                return Err(format!(
                    "only quoted member names are supported in brackets (character {}); \
                     no indices, wildcards or filters",
                    at + 1
                ))
            }
        };
        let mut name = String::new();
        loop {
            match chars.next() {
                None => return Err(format!("unterminated `[` at character {}", at + 1)),
                Some((_, '\\')) => match chars.next() {
                    Some((_, c @ ('\\' | '\'' | '"'))) => name.push(c),
                    _ => {
                        return Err(format!(
                            "unsupported escape in the name starting at character {}",
                            at + 1
                        ))
                    }
                },
                Some((_, c)) if c == quote => break,
                Some((_, c)) => name.push(c),
            }
        }
        if names.contains(&name) {
            return Err(format!(
                "`{name}` is named twice in the union starting at character {}",
                at + 1
            ));
        }
        names.push(name);
        while chars.next_if(|&(_, c)| c == ' ').is_some() {}
        match chars.next().map(|(_, c)| c) {
            Some(']') => return Ok(names),
            Some(',') => while chars.next_if(|&(_, c)| c == ' ').is_some() {},
            _ => {
                return Err(format!(
                    "expected `]` or `,` after the name starting at character {}",
                    at + 1
                ))
            }
        }
    }
}

/// Writes `path` back as a JSONPath, for messages.
pub fn display_path(path: &[String]) -> String {
    let mut text = String::from("$");
    for name in path {
        let simple = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if simple {
            text.push('.');
            text.push_str(name);
        } else {
            text.push_str("['");
            text.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
            text.push_str("']");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one path a target without a union selects.
    fn single(target: &str) -> Vec<String> {
        let mut paths = parse_target(target).unwrap();
        assert_eq!(paths.len(), 1, "{target}");
        paths.remove(0)
    }

    #[test]
    fn targets_parse_to_member_names() {
        assert_eq!(single("$"), Vec::<String>::new());
        assert_eq!(
            single("$.components.schemas.ApiError"),
            ["components", "schemas", "ApiError"]
        );
        assert_eq!(
            single("$.paths['/api/v2/{groupId}/x.y'].get"),
            ["paths", "/api/v2/{groupId}/x.y", "get"]
        );
        assert_eq!(single(r#"$["it's"]['a\'b\\c']"#), ["it's", r"a'b\c"]);
        assert!(parse_target("$.x-y.a_b.$ref").is_err());
        assert_eq!(single("$['$ref']"), ["$ref"]);
    }

    #[test]
    fn a_final_union_selects_each_member_in_turn() {
        assert_eq!(
            parse_target("$.paths['/a/{b}']['post','patch']").unwrap(),
            [["paths", "/a/{b}", "post"], ["paths", "/a/{b}", "patch"]]
        );
        assert_eq!(
            parse_target(r#"$.p["put", "delete" , 'x,y']"#).unwrap(),
            [["p", "put"], ["p", "delete"], ["p", "x,y"]]
        );
    }

    #[test]
    fn unsupported_targets_are_explained() {
        for (target, expected) in [
            ("", "must start with `$`"),
            ("components", "must start with `$`"),
            ("$..schemas", "recursive descent"),
            ("$.a[0]", "only quoted member names"),
            ("$.a[*]", "only quoted member names"),
            ("$.a['b", "unterminated"),
            ("$.a['b'x", "expected `]` or `,`"),
            ("$.a b", "unsupported character ` `"),
            ("$x", "unexpected `x` at character 2"),
            ("$.a['b',]", "only quoted member names"),
            (
                "$.a['b','c'].d",
                "union of names must be the last segment (character 13",
            ),
            (
                "$.a['b','c']['d']",
                "union of names must be the last segment",
            ),
            ("$.a['b','b']", "`b` is named twice"),
        ] {
            let error = parse_target(target).unwrap_err();
            assert!(error.contains(expected), "{target}: {error}");
        }
    }

    #[test]
    fn display_round_trips() {
        for target in ["$", "$.a.b", "$.paths['/x/{y}'].get", "$['it\\'s']"] {
            let path = single(target);
            assert_eq!(display_path(&path), target);
            assert_eq!(single(&display_path(&path)), path);
        }
    }
}
