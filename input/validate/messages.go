package validate

import (
	"reflect"
	"strings"

	"github.com/go-playground/validator/v10"
)

// fixed are the messages that do not depend on the field's kind.
var fixed = map[string]string{ // #nosec G101 -- validation messages ("jwt", "credit_card" are rule names), no credentials
	"required":             "is required",
	"required_if":          "is required",
	"required_unless":      "is required",
	"required_with":        "is required",
	"required_with_all":    "is required",
	"required_without":     "is required",
	"required_without_all": "is required",
	"excluded_if":          "must not be set",
	"excluded_unless":      "must not be set",
	"excluded_with":        "must not be set",
	"excluded_with_all":    "must not be set",
	"excluded_without":     "must not be set",
	"excluded_without_all": "must not be set",
	"isdefault":            "must not be set",
	"email":                "must be a valid email address",
	"url":                  "must be a valid URL",
	"http_url":             "must be a valid http or https URL",
	"https_url":            "must be a valid https URL",
	"uri":                  "must be a valid URI",
	"url_encoded":          "must be URL-encoded",
	"uuid":                 "must be a valid UUID",
	"uuid3":                "must be a valid UUID",
	"uuid4":                "must be a valid UUID",
	"uuid5":                "must be a valid UUID",
	"uuid_rfc4122":         "must be a valid UUID",
	"uuid4_rfc4122":        "must be a valid UUID",
	"ulid":                 "must be a valid ULID",
	"alpha":                "must contain only letters",
	"alphaunicode":         "must contain only letters",
	"alphanum":             "must contain only letters and digits",
	"alphanumunicode":      "must contain only letters and digits",
	"alphaspace":           "must contain only letters and spaces",
	"alphanumspace":        "must contain only letters, digits and spaces",
	"numeric":              "must be a number",
	"number":               "must contain only digits",
	"hexadecimal":          "must be hexadecimal",
	"hexcolor":             "must be a hex colour",
	"boolean":              "must be a boolean",
	"lowercase":            "must be lower-case",
	"uppercase":            "must be upper-case",
	"ascii":                "must contain only ASCII characters",
	"printascii":           "must contain only printable ASCII characters",
	"multibyte":            "must contain multibyte characters",
	"ip":                   "must be a valid IP address",
	"ipv4":                 "must be a valid IPv4 address",
	"ipv6":                 "must be a valid IPv6 address",
	"ip_addr":              "must be a valid IP address",
	"cidr":                 "must be a valid CIDR network",
	"cidrv4":               "must be a valid IPv4 CIDR network",
	"cidrv6":               "must be a valid IPv6 CIDR network",
	"mac":                  "must be a valid MAC address",
	"hostname":             "must be a valid host name",
	"hostname_rfc1123":     "must be a valid host name",
	"fqdn":                 "must be a fully qualified domain name",
	"hostname_port":        "must be a host and port",
	"e164":                 "must be a phone number in E.164 format",
	"json":                 "must be valid JSON",
	"jwt":                  "must be a JSON Web Token",
	"base64":               "must be base64-encoded",
	"base64url":            "must be base64url-encoded",
	"base64rawurl":         "must be base64url-encoded",
	"latitude":             "must be a latitude",
	"longitude":            "must be a longitude",
	"timezone":             "must be a time zone name",
	"iso3166_1_alpha2":     "must be a two-letter country code",
	"iso3166_1_alpha3":     "must be a three-letter country code",
	"bcp47_language_tag":   "must be a language tag",
	"semver":               "must be a semantic version",
	"credit_card":          "must be a card number",
	"luhn_checksum":        "must have a valid check digit",
	"unique":               "must not contain duplicates",
	"dive":                 "is invalid",
}

// withParam are the messages that show the rule's parameter.
var withParam = map[string]string{
	"oneof":           "must be one of: {param}",
	"contains":        "must contain {param}",
	"containsany":     "must contain one of: {param}",
	"containsrune":    "must contain {param}",
	"excludes":        "must not contain {param}",
	"excludesall":     "must not contain any of: {param}",
	"excludesrune":    "must not contain {param}",
	"startswith":      "must start with {param}",
	"endswith":        "must end with {param}",
	"startsnotwith":   "must not start with {param}",
	"endsnotwith":     "must not end with {param}",
	"eq_ignore_case":  "must be {param}",
	"ne_ignore_case":  "must not be {param}",
	"datetime":        "must be a date-time in the format {param}",
	"eqfield":         "must match {field}",
	"nefield":         "must differ from {field}",
	"gtfield":         "must be greater than {field}",
	"gtefield":        "must be at least {field}",
	"ltfield":         "must be less than {field}",
	"ltefield":        "must be at most {field}",
	"eqcsfield":       "must match {field}",
	"necsfield":       "must differ from {field}",
	"fieldcontains":   "must contain {field}",
	"fieldexcludes":   "must not contain {field}",
	"oneofci":         "must be one of: {param}",
	"required_if_not": "is required",
}

// valueParams are the rules whose parameter may be a value; their message
// is "is invalid" on a secret field.
var valueParams = map[string]bool{
	"eq": true, "ne": true, "oneof": true, "oneofci": true, "contains": true, "containsany": true,
	"containsrune": true, "excludes": true, "excludesall": true, "excludesrune": true,
	"startswith": true, "endswith": true, "startsnotwith": true, "endsnotwith": true,
	"eq_ignore_case": true, "ne_ignore_case": true,
}

func (v *Validator) message(fe validator.FieldError, m fieldMeta) string {
	tag := fe.Tag()
	if m.secret && valueParams[tag] {
		return "is invalid"
	}
	if msg, ok := v.msgs[tag]; ok {
		return strings.ReplaceAll(msg, "{param}", fe.Param())
	}
	if msg, ok := fixed[tag]; ok {
		return msg
	}
	if msg, ok := withParam[tag]; ok {
		param := fe.Param()
		if tag == "oneof" || tag == "oneofci" {
			param = strings.Join(splitOneOf(param), ", ")
		}
		msg = strings.ReplaceAll(msg, "{param}", param)
		return strings.ReplaceAll(msg, "{field}", jsonFieldName(m.parent, fe.Param()))
	}
	if msg := sizeMessage(tag, fe.Param(), fe.Kind(), fe.Type()); msg != "" {
		return msg
	}
	return "is invalid"
}

// splitOneOf splits a oneof parameter as go-playground does: on spaces,
// with 'single quotes' around values that hold spaces.
func splitOneOf(p string) []string {
	var out []string
	for p != "" {
		p = strings.TrimLeft(p, " ")
		if p == "" {
			break
		}
		if p[0] == '\'' {
			if j := strings.IndexByte(p[1:], '\''); j >= 0 {
				out = append(out, p[1:1+j])
				p = p[j+2:]
				continue
			}
		}
		v, rest, _ := strings.Cut(p, " ")
		out = append(out, v)
		p = rest
	}
	return out
}

// jsonFieldName returns the json name of the Go field name in struct type
// t, or name itself.
func jsonFieldName(t reflect.Type, name string) string {
	if t == nil {
		return name
	}
	f, ok := t.FieldByName(name)
	if !ok {
		return name
	}
	if j := jsonName(f); j != "" {
		return j
	}
	return name
}

// sizeMessage words the size rules by the field's kind: characters for
// strings (counted in runes), items for lists, the value for numbers.
func sizeMessage(tag, param string, k reflect.Kind, t reflect.Type) string {
	var unit string
	switch k {
	case reflect.String:
		unit = "character"
	case reflect.Slice, reflect.Array, reflect.Map:
		unit = "item"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		switch tag {
		case "min", "gte":
			return "must be at least " + param
		case "max", "lte":
			return "must be at most " + param
		case "gt":
			return "must be greater than " + param
		case "lt":
			return "must be less than " + param
		case "eq", "len":
			return "must be " + param
		case "ne":
			return "must not be " + param
		}
		return ""
	default:
		if t != nil && t.String() == "time.Time" {
			switch tag {
			case "gt", "gte":
				return "must be in the future"
			case "lt", "lte":
				return "must be in the past"
			}
		}
		return ""
	}
	if k == reflect.String {
		switch tag {
		case "eq":
			return "must be " + param
		case "ne":
			return "must not be " + param
		}
	}
	units := func(n string) string {
		if n == "1" {
			return n + " " + unit
		}
		return n + " " + unit + "s"
	}
	if unit == "item" {
		switch tag {
		case "min", "gte":
			return "must contain at least " + units(param)
		case "max", "lte":
			return "must contain at most " + units(param)
		case "len", "eq":
			return "must contain exactly " + units(param)
		case "gt":
			return "must contain more than " + units(param)
		case "lt":
			return "must contain fewer than " + units(param)
		}
		return ""
	}
	switch tag {
	case "min", "gte":
		return "must be at least " + units(param) + " long"
	case "max", "lte":
		return "must be at most " + units(param) + " long"
	case "len":
		return "must be exactly " + units(param) + " long"
	case "gt":
		return "must be longer than " + units(param)
	case "lt":
		return "must be shorter than " + units(param)
	}
	return ""
}
