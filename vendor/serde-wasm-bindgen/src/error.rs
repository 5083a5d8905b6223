use wasm_bindgen::prelude::*;

/// A newtype that represents Serde errors as JavaScript exceptions.
#[derive(Debug)]
pub struct Error(JsValue);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        #[wasm_bindgen]
        extern "C" {
            #[wasm_bindgen(js_name = String)]
            pub fn to_string(value: &JsValue) -> String;
        }

        to_string(&self.0).fmt(f)
    }
}

impl std::error::Error for Error {}

impl Error {
    /// Creates a JavaScript `Error` with a given message.
    pub fn new<T: std::fmt::Display>(msg: T) -> Self {
        Error(JsError::new(&msg.to_string()).into())
    }
}

impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(msg)
    }
}

impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::new(msg)
    }

    // kvsocket's change (PATCHED.md): serde's own `invalid_type` / `invalid_value` display the
    // `Unexpected`, whose Display formats a float with Rust's float formatting (~20 KB of wasm);
    // a visitor's default `visit_*` methods (any hand-written `Deserialize`) reach them. Same
    // wording, but a float is `a number`.
    fn invalid_type(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        Error::new(format_args!("invalid type: {}, expected {}", unexpected(unexp), exp))
    }

    fn invalid_value(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        Error::new(format_args!("invalid value: {}, expected {}", unexpected(unexp), exp))
    }
}

/// serde's `Unexpected` in serde's words, without formatting a float.
fn unexpected(u: serde::de::Unexpected) -> String {
    use serde::de::Unexpected as U;
    match u {
        U::Bool(b) => format!("boolean `{b}`"),
        U::Unsigned(n) => format!("integer `{n}`"),
        U::Signed(n) => format!("integer `{n}`"),
        U::Float(_) => "a number".to_string(),
        U::Char(c) => format!("character `{c}`"),
        U::Str(s) => format!("string \"{s}\""),
        U::Bytes(_) => "byte array".to_string(),
        U::Unit => "unit value".to_string(),
        U::Option => "Option value".to_string(),
        U::NewtypeStruct => "newtype struct".to_string(),
        U::Seq => "sequence".to_string(),
        U::Map => "map".to_string(),
        U::Enum => "enum".to_string(),
        U::UnitVariant => "unit variant".to_string(),
        U::NewtypeVariant => "newtype variant".to_string(),
        U::TupleVariant => "tuple variant".to_string(),
        U::StructVariant => "struct variant".to_string(),
        U::Other(other) => other.to_string(),
    }
}

/// This conversion is needed for `?` to just work when using wasm-bindgen
/// imports that return JavaScript exceptions as `Result<T, JsValue>`.
impl From<JsValue> for Error {
    fn from(error: JsValue) -> Error {
        Error(error)
    }
}

// This conversion is needed for `?` to just work in wasm-bindgen exports
// that return `Result<T, JsValue>` to throw JavaScript exceptions.
impl From<Error> for JsValue {
    fn from(error: Error) -> JsValue {
        error.0
    }
}
