//! Messages that reach the engine stay readable: a value echoed in a message (a 1 MiB string given
//! as a location, say) is shortened to its start and end with its length, and a message is never
//! longer than a screen, however many values it names.

/// Longest run of non-space characters kept whole: long enough for any Azure resource id.
const LONGEST_WORD: usize = 300;
/// Characters kept from the start and the end of a longer run.
const WORD_HEAD: usize = 60;
const WORD_TAIL: usize = 12;
/// Longest message; longer ones keep their start and end (the advice usually ends a message).
const LONGEST_MESSAGE: usize = 4000;
const MESSAGE_HEAD: usize = 2400;
const MESSAGE_TAIL: usize = 1200;

/// `text`, with overlong values shortened and the whole bounded in length.
pub fn bounded(text: String) -> String {
    let fits = text.len() <= LONGEST_MESSAGE
        && text
            .split(char::is_whitespace)
            .all(|word| word.len() <= LONGEST_WORD);
    if fits {
        return text;
    }
    let mut out = String::with_capacity(LONGEST_MESSAGE);
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        let count = word.chars().count();
        if count > LONGEST_WORD {
            out.extend(word.chars().take(WORD_HEAD));
            out.push('…');
            out.extend(word.chars().skip(count - WORD_TAIL));
            out.push_str(&format!(" ({count} characters)"));
            out.push_str(&piece[word.len()..]);
        } else {
            out.push_str(piece);
        }
    }
    let count = out.chars().count();
    if count <= LONGEST_MESSAGE {
        return out;
    }
    let head: String = out.chars().take(MESSAGE_HEAD).collect();
    let tail: String = out.chars().skip(count - MESSAGE_TAIL).collect();
    format!(
        "{head} … [{} characters left out] … {tail}",
        count - MESSAGE_HEAD - MESSAGE_TAIL
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_messages_and_resource_ids_pass_unchanged() {
        let id = format!(
            "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes",
            "0".repeat(36)
        );
        for text in [
            "'mars' is not an Azure region".to_string(),
            format!("subnet {id} is in another region"),
            String::new(),
        ] {
            assert_eq!(bounded(text.clone()), text);
        }
    }

    #[test]
    fn long_values_and_long_messages_are_shortened() {
        let mebibyte = "x".repeat(1 << 20);
        for (text, must_contain, must_end_with) in [
            (
                format!(
                    "'{mebibyte}' is not an Azure region; `az account list-locations` lists them"
                ),
                vec!["'xxxx", "xxx' (1048578 characters) is not an Azure region"],
                "lists them",
            ),
            (
                format!("{mebibyte}é"),
                vec!["(1048577 characters)", "xé"],
                "characters)",
            ),
            (
                "word ".repeat(100_000) + "fix it like this",
                vec!["characters left out", "fix it like this"],
                "fix it like this",
            ),
        ] {
            let shown = bounded(text);
            assert!(
                shown.chars().count() <= LONGEST_MESSAGE + 100,
                "{}",
                shown.len()
            );
            for part in must_contain {
                assert!(shown.contains(part), "{part} in {shown}");
            }
            assert!(shown.ends_with(must_end_with), "{shown}");
        }
    }
}
