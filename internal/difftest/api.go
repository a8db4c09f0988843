package difftest

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"slices"
	"strings"
)

// ExportedAPI returns the exported declarations of the Go file src, each
// printed on one line (runs of white space made one space) without body,
// doc comment, parameter names (their number is API, their names are not)
// or unexported struct fields, and sorted: what an app's code can use. An
// error means src does not parse.
func ExportedAPI(src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "gen.go", src, 0)
	if err != nil {
		return nil, err
	}
	var perr error
	print := func(n any) string {
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, n); err != nil {
			perr = err
		}
		return strings.Join(strings.Fields(b.String()), " ")
	}
	var api []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Recv != nil && !ast.IsExported(recvType(d.Recv)) {
				continue
			}
			d.Body, d.Doc = nil, nil
			for _, field := range fields(d.Type.Params, d.Type.Results) {
				for _, n := range field.Names {
					n.Name = "_"
				}
			}
			api = append(api, print(d))
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if st, ok := s.Type.(*ast.StructType); ok {
						st.Fields.List = slices.DeleteFunc(st.Fields.List, func(f *ast.Field) bool {
							return len(f.Names) > 0 && !f.Names[0].IsExported()
						})
						for _, f := range st.Fields.List {
							f.Doc, f.Comment = nil, nil
						}
					}
					api = append(api, "type "+print(s))
				case *ast.ValueSpec:
					for i, n := range s.Names {
						if !n.IsExported() {
							continue
						}
						v := ""
						if i < len(s.Values) {
							v = " = " + print(s.Values[i])
						}
						typ := ""
						if s.Type != nil {
							typ = " " + print(s.Type)
						}
						api = append(api, fmt.Sprintf("%s %s%s%s", strings.ToLower(d.Tok.String()), n.Name, typ, v))
					}
				}
			}
		}
	}
	slices.Sort(api)
	return api, perr
}

// recvType returns the name of a method's receiver type.
func recvType(recv *ast.FieldList) string {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// fields returns the fields of the lists, nil lists skipped.
func fields(lists ...*ast.FieldList) []*ast.Field {
	var out []*ast.Field
	for _, l := range lists {
		if l != nil {
			out = append(out, l.List...)
		}
	}
	return out
}
