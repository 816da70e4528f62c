//! Events workflows emit: an append-only log, numbered in the order of emission.
//!
//! An event's data is kept as compact JSON, as `toJSON()` writes it (NaN and the infinities
//! become `null`); listing the log reads it back. Both stores keep the same form, so a memory
//! log and a redb log with the same emissions list the same events.

use w3_value::{parse_json, Value};

use crate::storage::{event_json, StoreError, WorkflowId};

/// One emitted event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The event's number: 0 for the first event of the log, then one more for each.
    pub seq: u64,
    pub workflow: WorkflowId,
    pub topic: String,
    pub data: Value,
}

/// An append-only log of events.
pub trait EventLog {
    /// Appends an event and returns its number.
    fn emit(&mut self, workflow: &WorkflowId, topic: &str, data: &Value) -> Result<u64, StoreError>;
    /// Returns every event, in order of emission.
    fn events(&self) -> Result<Vec<Event>, StoreError>;
}

/// Returns an event as stored: the workflow id and the topic, each after its length (4 bytes,
/// little-endian), then the data as compact JSON.
pub(crate) fn encode_event(workflow: &WorkflowId, topic: &str, data: &Value) -> Result<Vec<u8>, StoreError> {
    let json = event_json(data)?;
    let mut out = Vec::with_capacity(8 + workflow.as_str().len() + topic.len() + json.len());
    for part in [workflow.as_str(), topic] {
        out.extend_from_slice(&(part.len() as u32).to_le_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(json.as_bytes());
    Ok(out)
}

/// Reads an event stored by [`encode_event`].
pub(crate) fn decode_event(seq: u64, bytes: &[u8]) -> Result<Event, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt { what: "event", detail: format!("event {seq}: {detail}") };
    let mut rest = bytes;
    let mut parts = Vec::with_capacity(2);
    for name in ["workflow id", "topic"] {
        let (len, tail) = rest.split_first_chunk::<4>().ok_or_else(|| corrupt(format!("the {name} is cut short")))?;
        let len = u32::from_le_bytes(*len) as usize;
        if tail.len() < len {
            return Err(corrupt(format!("the {name} is cut short")));
        }
        let (text, tail) = tail.split_at(len);
        let text = std::str::from_utf8(text).map_err(|e| corrupt(format!("the {name} is not UTF-8: {e}")))?;
        parts.push(text.to_string());
        rest = tail;
    }
    let json = std::str::from_utf8(rest).map_err(|e| corrupt(format!("the data is not UTF-8: {e}")))?;
    let data = parse_json(json).map_err(|e| corrupt(format!("the data is not JSON: {e}")))?;
    let topic = parts.pop().unwrap_or_default();
    let workflow = WorkflowId::new(parts.pop().unwrap_or_default());
    Ok(Event { seq, workflow, topic, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_their_encoding() {
        let data = parse_json(r#"{"b":[1,2.5,"x"],"a":null,"c":{"d":true}}"#).unwrap();
        let bytes = encode_event(&WorkflowId::new("ci.yml"), "price", &data).unwrap();
        let event = decode_event(7, &bytes).unwrap();
        assert_eq!(event, Event { seq: 7, workflow: WorkflowId::new("ci.yml"), topic: "price".into(), data });
    }

    #[test]
    fn damaged_events_are_errors_not_panics() {
        let bytes = encode_event(&WorkflowId::new("w"), "t", &Value::from(1.0)).unwrap();
        for cut in 0..bytes.len() {
            let _ = decode_event(0, &bytes[..cut]);
        }
        assert!(decode_event(0, &bytes[..3]).is_err());
        assert!(decode_event(0, &[255, 255, 255, 255]).is_err());
        let nan = encode_event(&WorkflowId::new("w"), "t", &Value::from(f64::NAN)).unwrap();
        assert_eq!(decode_event(0, &nan).unwrap().data, Value::Null);
    }
}
