package dev.dropletworker.job;

import io.quarkus.hibernate.orm.PersistenceUnitExtension;
import org.hibernate.boot.model.FunctionContributions;
import org.hibernate.boot.model.FunctionContributor;
import org.hibernate.dialect.function.array.ArrayContainsArgumentTypeResolver;
import org.hibernate.type.BasicTypeRegistry;
import org.hibernate.type.StandardBasicTypes;

/**
 * HQL functions over one array parameter, for {@link SqlArrays#found}: {@code id_in(:ids, e.id)}
 * is {@code e.id = any(:ids)}, and {@code id_position(:ids, e.id)} is its place in the array. An
 * HQL query with them is one text whatever the number of ids, so Hibernate translates it once.
 */
@PersistenceUnitExtension
public class SqlArrayFunctions implements FunctionContributor {

    @Override
    public void contributeFunctions(FunctionContributions functions) {
        BasicTypeRegistry types = functions.getTypeConfiguration().getBasicTypeRegistry();
        functions.getFunctionRegistry().patternDescriptorBuilder("id_in", "(?2 = any(?1))")
                .setExactArgumentCount(2)
                .setArgumentTypeResolver(ArrayContainsArgumentTypeResolver.INSTANCE)
                .setInvariantType(types.resolve(StandardBasicTypes.BOOLEAN))
                .register();
        functions.getFunctionRegistry().patternDescriptorBuilder("id_position", "array_position(?1, ?2)")
                .setExactArgumentCount(2)
                .setArgumentTypeResolver(ArrayContainsArgumentTypeResolver.INSTANCE)
                .setInvariantType(types.resolve(StandardBasicTypes.INTEGER))
                .register();
    }
}
