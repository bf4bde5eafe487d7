"""Parsing of Map states: processor, items, ItemSelector, concurrency, and the Distributed Map
fields (ItemReader, ItemBatcher, ResultWriter, tolerated failures)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

from sluiceway.asl import jsonata_eval
from sluiceway.asl.jsonata_eval import JSONATA
from sluiceway.asl.map_config import (
    DELIMITERS,
    INPUT_TYPES,
    MAX_BATCH_BYTES,
    S3_GET_OBJECT,
    Batcher,
    ItemReaderConfig,
    Tolerance,
)
from sluiceway.asl.model import ROOT, Graph, MapState, State
from sluiceway.asl.parse_fields import is_number
from sluiceway.asl.parse_query import QueryFieldParser
from sluiceway.asl.result_writer import parse_result_writer

#: Fields that only a DISTRIBUTED Map accepts. AWS accepts (and an inline Map ignores)
#: ToleratedFailureCount and ToleratedFailurePercentage: executions recorded on AWS run inline Maps
#: that set them.
DISTRIBUTED_ONLY = (
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "Label",
)


class MapParser(QueryFieldParser):
    @abstractmethod
    def sub_graph(
        self, spec: Any, where: str, extra: tuple[str, ...] = (), *, isolated: bool = False
    ) -> Graph | None: ...

    def state_map(
        self, spec: Mapping[str, Any], where: str, common: dict[str, Any]
    ) -> State | None:
        jsonata = common["query_language"] == JSONATA
        self.exclusive(spec, ("ItemProcessor", "Iterator"), where, required=True)
        self.exclusive(spec, ("ItemSelector", "Parameters"), where)
        self.exclusive(spec, ("MaxConcurrency", "MaxConcurrencyPath"), where)
        self.exclusive(spec, ("ToleratedFailureCount", "ToleratedFailureCountPath"), where)
        self.exclusive(
            spec, ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"), where
        )
        self.exclusive(spec, ("Items", "ItemReader"), where)
        key = "ItemProcessor" if "ItemProcessor" in spec else "Iterator"
        processor_spec = spec.get(key)
        mode = "INLINE"
        if isinstance(processor_spec, Mapping):
            config = processor_spec.get("ProcessorConfig", {})
            mode = config.get("Mode", "INLINE") if isinstance(config, Mapping) else ""
            if mode not in ("INLINE", "DISTRIBUTED"):
                self.schema(
                    "The value for the field 'Mode' must be INLINE or DISTRIBUTED",
                    f"{where}/{key}/ProcessorConfig",
                )
        distributed = mode == "DISTRIBUTED"
        if not distributed:
            for field in DISTRIBUTED_ONLY:
                if field in spec:
                    self.schema(
                        f"The field '{field}' is supported only by a Map state in DISTRIBUTED mode",
                        f"{where}/{field}",
                    )
        processor = self.sub_graph(
            processor_spec, f"{where}/{key}", ("ProcessorConfig",), isolated=distributed
        )
        fields = self.execution_fields(spec, where, jsonata)
        if jsonata:
            fields["item_selector"] = self.jsonata(spec, "ItemSelector", where)
            items = spec.get("Items")
            if items is not None and not (
                isinstance(items, list) or jsonata_eval.is_expression(items)
            ):
                self.schema(
                    "The value for the field 'Items' must be an ARRAY or a JSONata expression",
                    f"{where}/Items",
                )
            fields["items"] = self.jsonata(spec, "Items", where)
        else:
            # The legacy Parameters of a Map state select each item's input, as ItemSelector does.
            legacy_parameters = fields.pop("parameters")
            fields["item_selector"] = (
                self.template(spec, "ItemSelector", where)
                if "ItemSelector" in spec
                else legacy_parameters
            )
            fields["items_path"] = (
                self.path(spec, "ItemsPath", where, reference=True, default=ROOT) or ROOT
            )
            fields["max_concurrency_path"] = self.path(
                spec, "MaxConcurrencyPath", where, reference=True
            )
        concurrency, concurrency_expr = self.number_or_expression(
            spec, "MaxConcurrency", where, minimum=0
        )
        label = spec.get("Label")
        if label is not None and not (isinstance(label, str) and 0 < len(label) <= 40):
            self.schema(
                "The value for the field 'Label' must be a STRING of 1 to 40 characters",
                f"{where}/Label",
            )
        if processor is None:
            return None
        return MapState(
            **common,
            **fields,
            processor=processor,
            max_concurrency=concurrency or 0,
            max_concurrency_expr=concurrency_expr,
            distributed=distributed,
            tolerated=self.tolerance(spec, where),
            batcher=self.batcher(spec, where, jsonata),
            reader=self.reader(spec, where, jsonata),
            writer=parse_result_writer(self, spec, where, jsonata),
            label=label if isinstance(label, str) else None,
        )

    def tolerance(self, spec: Mapping[str, Any], where: str) -> Tolerance:
        count, count_expr = self.number_or_expression(
            spec, "ToleratedFailureCount", where, minimum=0
        )
        percentage = spec.get("ToleratedFailurePercentage")
        percentage_expr = None
        if jsonata_eval.is_expression(percentage):
            percentage_expr, percentage = (
                self.jsonata(spec, "ToleratedFailurePercentage", where),
                None,
            )
        elif percentage is not None and not (is_number(percentage) and 0 <= percentage <= 100):
            self.schema(
                "The value for the field 'ToleratedFailurePercentage' must be a number "
                "between 0 and 100",
                f"{where}/ToleratedFailurePercentage",
            )
            percentage = None
        return Tolerance(
            count=count_expr if count_expr is not None else count,
            percentage=percentage_expr if percentage_expr is not None else percentage,
            count_path=self.path(spec, "ToleratedFailureCountPath", where, reference=True),
            percentage_path=self.path(
                spec, "ToleratedFailurePercentagePath", where, reference=True
            ),
        )

    def batcher(self, spec: Mapping[str, Any], where: str, jsonata: bool) -> Batcher | None:
        config = spec.get("ItemBatcher")
        if config is None:
            return None
        at = f"{where}/ItemBatcher"
        if not isinstance(config, Mapping):
            self.schema("The value for the field 'ItemBatcher' must be an OBJECT", at)
            return None
        allowed = ["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"]
        if not jsonata:
            allowed += ["MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"]
        for key in config:
            if key not in allowed:
                self.schema(f"Field '{key}' is not supported", at)
        if not any(key in config for key in allowed if key != "BatchInput"):
            self.schema(
                "At least one of these fields is required: [MaxItemsPerBatch, "
                "MaxInputBytesPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatchPath]",
                at,
            )
        max_items, items_expr = self.number_or_expression(config, "MaxItemsPerBatch", at, minimum=1)
        max_bytes, bytes_expr = self.number_or_expression(
            config, "MaxInputBytesPerBatch", at, minimum=1
        )
        if max_bytes is not None and max_bytes > MAX_BATCH_BYTES:
            self.schema(
                f"The value for the field 'MaxInputBytesPerBatch' must be at most "
                f"{MAX_BATCH_BYTES}",
                f"{at}/MaxInputBytesPerBatch",
            )
        batch_input = None
        if "BatchInput" in config:
            batch_input = (
                self.jsonata(config, "BatchInput", at)
                if jsonata
                else self.template(config, "BatchInput", at)
            )
        return Batcher(
            max_items=items_expr if items_expr is not None else max_items,
            max_items_path=self.path(config, "MaxItemsPerBatchPath", at, reference=True),
            max_bytes=bytes_expr if bytes_expr is not None else max_bytes,
            max_bytes_path=self.path(config, "MaxInputBytesPerBatchPath", at, reference=True),
            batch_input=batch_input,
        )

    def reader(self, spec: Mapping[str, Any], where: str, jsonata: bool) -> ItemReaderConfig | None:
        config = self.map_field(spec, "ItemReader", where, jsonata, "ReaderConfig")
        if config is None:
            return None
        at = f"{where}/ItemReader"
        arguments = "Arguments" if jsonata else "Parameters"
        resource = config.get("Resource")
        if resource != S3_GET_OBJECT:
            self.unsupported(f"ItemReader Resource {resource}", f"{at}/Resource")
            return None
        reader = config.get("ReaderConfig", {})
        if not isinstance(reader, Mapping):
            self.schema("The value for the field 'ReaderConfig' must be an OBJECT", at)
            return None
        input_type = reader.get("InputType", "JSON")
        if input_type not in INPUT_TYPES:
            self.unsupported(f"InputType {input_type}", f"{at}/ReaderConfig/InputType")
            input_type = "JSON"
        headers = reader.get("CSVHeaders", [])
        location = reader.get("CSVHeaderLocation", "FIRST_ROW")
        if location not in ("FIRST_ROW", "GIVEN") or (location == "GIVEN" and not headers):
            self.schema(
                "CSVHeaderLocation must be FIRST_ROW, or GIVEN with CSVHeaders",
                f"{at}/ReaderConfig",
            )
        delimiter = reader.get("CSVDelimiter", "COMMA")
        if delimiter not in DELIMITERS:
            self.schema(
                f"The value for the field 'CSVDelimiter' must be one of {list(DELIMITERS)}",
                f"{at}/ReaderConfig/CSVDelimiter",
            )
            delimiter = "COMMA"
        max_items, max_items_expr = self.number_or_expression(
            reader, "MaxItems", f"{at}/ReaderConfig", minimum=0
        )
        parameters = (
            self.jsonata(config, arguments, at) if jsonata else self.template(config, arguments, at)
        )
        return ItemReaderConfig(
            resource=resource,
            input_type=input_type,
            csv_header_location=location,
            csv_headers=tuple(str(h) for h in headers) if isinstance(headers, list) else (),
            csv_delimiter=delimiter,
            max_items=max_items_expr if max_items_expr is not None else max_items,
            max_items_path=self.path(reader, "MaxItemsPath", f"{at}/ReaderConfig", reference=True),
            parameters=parameters,
        )
