//! A small promise-based wrapper over IndexedDB, for the service worker's durable outbox.
//!
//! Writes wait for the transaction's `complete` event with `durability: "strict"`, so a
//! record said to be written survives the browser being closed right after; the one
//! exception, [`Database::put_relaxed`], is a new report's first copy, written beside its
//! upload (see `worker::reporting`).

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbObjectStore, IdbRequest, IdbTransaction};

/// An open database.
#[derive(Debug, Clone)]
pub struct Database {
    db: IdbDatabase,
}

fn js_error(message: &str) -> JsValue {
    JsValue::from_str(message)
}

fn factory() -> Result<IdbFactory, JsValue> {
    Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))?
        .dyn_into::<IdbFactory>()
        .map_err(|_| js_error("IndexedDB is not available in this context"))
}

/// Resolves with the request's result on `success`, rejects with its error on `error`.
async fn request_done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let success_request = request.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let result = success_request.result().unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &result);
        });
        let error_request = request.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let error = error_request
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or_else(|| js_error("IndexedDB request failed"));
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Resolves once the transaction has committed; rejects if it aborts or fails.
async fn transaction_done(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let reject_abort = reject.clone();
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject_abort.call1(&JsValue::NULL, &js_error("IndexedDB transaction aborted"));
        });
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &js_error("IndexedDB transaction failed"));
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
        transaction.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ())
}

impl Database {
    /// Opens (creating or upgrading) database `name` with one object store per name in
    /// `stores`, each keyed by the `id` property of its records.
    pub async fn open(
        name: &str,
        version: u32,
        stores: &'static [&'static str],
    ) -> Result<Self, JsValue> {
        let request = factory()?.open_with_u32(name, version)?;
        let upgrade_request = request.clone();
        let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
            let Ok(result) = upgrade_request.result() else {
                return;
            };
            let db: IdbDatabase = result.unchecked_into();
            let existing = db.object_store_names();
            for store in stores {
                if !existing.contains(store) {
                    let parameters = web_sys::IdbObjectStoreParameters::new();
                    parameters.set_key_path(&JsValue::from_str("id"));
                    let _ = db.create_object_store_with_optional_parameters(store, &parameters);
                }
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db = request_done(&request).await?.dyn_into::<IdbDatabase>()?;
        // Let a newer version's upgrade (or a deletion) go ahead instead of waiting for this
        // connection to be garbage-collected: the next `open` connects again.
        let closing = db.clone();
        let on_version_change = Closure::once_into_js(move |_: web_sys::Event| closing.close());
        db.set_onversionchange(Some(on_version_change.unchecked_ref()));
        Ok(Self { db })
    }

    fn transaction(
        &self,
        store: &str,
        readwrite: bool,
    ) -> Result<(IdbTransaction, IdbObjectStore), JsValue> {
        self.transaction_with(store, readwrite, "strict")
    }

    /// A transaction on `store` with `durability` (`"strict"` or `"relaxed"`).
    fn transaction_with(
        &self,
        store: &str,
        readwrite: bool,
        durability: &str,
    ) -> Result<(IdbTransaction, IdbObjectStore), JsValue> {
        // `db.transaction(store, mode, { durability })`: web-sys has no binding for the
        // options argument, so call the method itself.
        let method: Function =
            Reflect::get(&self.db, &JsValue::from_str("transaction"))?.dyn_into()?;
        let options = Object::new();
        Reflect::set(
            &options,
            &JsValue::from_str("durability"),
            &JsValue::from_str(durability),
        )?;
        let mode = if readwrite { "readwrite" } else { "readonly" };
        let arguments = Array::of3(
            &JsValue::from_str(store),
            &JsValue::from_str(mode),
            &options,
        );
        let transaction: IdbTransaction =
            Reflect::apply(&method, &self.db, &arguments)?.dyn_into()?;
        let object_store = transaction.object_store(store)?;
        Ok((transaction, object_store))
    }

    /// Inserts or replaces `record` (an object with an `id`), resolving once committed.
    pub async fn put(&self, store: &str, record: &JsValue) -> Result<(), JsValue> {
        let (transaction, object_store) = self.transaction(store, true)?;
        object_store.put(record)?;
        transaction_done(&transaction).await
    }

    /// Inserts or replaces `record` with a `relaxed` commit: resolving once the browser has
    /// written it, without waiting for the disk to confirm it (`fsync`). It survives the
    /// browser's crash, not the machine's; a later strict commit flushes it too.
    pub async fn put_relaxed(&self, store: &str, record: &JsValue) -> Result<(), JsValue> {
        let (transaction, object_store) = self.transaction_with(store, true, "relaxed")?;
        object_store.put(record)?;
        transaction_done(&transaction).await
    }

    /// Deletes the record with `id`, resolving once committed.
    pub async fn delete(&self, store: &str, id: &str) -> Result<(), JsValue> {
        let (transaction, object_store) = self.transaction(store, true)?;
        object_store.delete(&JsValue::from_str(id))?;
        transaction_done(&transaction).await
    }

    /// The record with `id`, if any.
    pub async fn get(&self, store: &str, id: &str) -> Result<Option<JsValue>, JsValue> {
        let (_transaction, object_store) = self.transaction(store, false)?;
        let value = request_done(&object_store.get(&JsValue::from_str(id))?).await?;
        Ok((!value.is_undefined()).then_some(value))
    }

    /// Every record of `store`, in key order.
    pub async fn get_all(&self, store: &str) -> Result<Vec<JsValue>, JsValue> {
        let (_transaction, object_store) = self.transaction(store, false)?;
        let values = request_done(&object_store.get_all()?).await?;
        Ok(values.dyn_into::<Array>()?.iter().collect())
    }
}
